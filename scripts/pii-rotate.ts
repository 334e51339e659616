/**
 * Finishes a key rotation now, straight from the database (the hygiene job does the same every PURGE_INTERVAL_MS):
 *
 *   PII_KEYS=old:…,new:… PII_ACTIVE_KEY=new npm run -s pii:rotate
 *
 * Re-wraps every data key (of applications and of stored idempotent answers) not under PII_ACTIVE_KEY, in
 * batches, beside a running service. Prints `{ rewrapped, keys }`, `keys` counting the data keys each key id
 * wraps: once only the active id is left, the old key may leave PII_KEYS. The database is DATABASE_URL, else the
 * embedded one in DATA_DIR (the server must be stopped then). Exits 2 when it cannot run.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config/app-config.js';
import { resolvePiiKeyring } from '../src/config/pii-config.js';
import { PiiKeysService } from '../src/pii/pii-keys.service.js';
import { withDatabase } from './script-database.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const { generated: _file, ...keyring } = resolvePiiKeyring(config);
  const outcome = await withDatabase(config, async (dataSource) => {
    const keys = new PiiKeysService(dataSource, keyring);
    return { rewrapped: await keys.rewrap(), keys: await keys.keyUse() };
  });
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pii:rotate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
