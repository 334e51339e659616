/**
 * Rechecks every application's history against the signed checkpoints, straight from the database:
 *
 *   npm run -s audit:verify [-- --public-key key.pem]
 *
 * The public key comes from `--public-key` (SPKI PEM, as `GET /api/v1/audit/public-key` serves it; pin it out of
 * band), else from the configured signing key (AUDIT_SIGNING_KEY, else DATA_DIR/audit-signing-key). The database
 * is DATABASE_URL, else the embedded one in DATA_DIR (the server must be stopped then). Prints one line per
 * problem and a JSON summary `{ checked, failed, checkpoints, failedCheckpoints }`; exits 1 when anything fails,
 * 2 when it cannot run.
 */
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuditVerifyService } from '../src/audit/audit-verify.service.js';
import { keyIdOf } from '../src/audit/checkpoint.util.js';
import { loadConfig, resolveAuditSigningKey } from '../src/config/app-config.js';
import { withDatabase } from './script-database.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'public-key': { type: 'string' } } });
  const keyFile = values['public-key'];
  // With a public key given, nothing secret is needed: only the database settings are read.
  const config = loadConfig(
    keyFile === undefined
      ? process.env
      : { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR },
  );
  const publicKey: KeyObject =
    keyFile === undefined
      ? createPublicKey(resolveAuditSigningKey(config))
      : createPublicKey(readFileSync(keyFile, 'utf8'));
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the public key is not an Ed25519 key');

  const outcome = await withDatabase(config, (dataSource) =>
    new AuditVerifyService(dataSource).verify(publicKey),
  );
  process.stdout.write(`key ${keyIdOf(publicKey)}\n`);
  for (const reason of outcome.reasons) process.stdout.write(`FAIL ${reason}\n`);
  const { checked, failed, checkpoints, failedCheckpoints } = outcome;
  process.stdout.write(`${JSON.stringify({ checked, failed, checkpoints, failedCheckpoints })}\n`);
  return failed.length + failedCheckpoints.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
