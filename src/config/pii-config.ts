import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KEY_BYTES } from '../pii/pii-crypto.util.js';
import type { Keyring } from '../pii/pii-crypto.util.js';
import { readOrCreateSecretFile } from './secret-file.js';

/**
 * Personal data at rest: the key-encryption keys, the one new data keys are wrapped under, and how long personal
 * data of decided applications is kept. Pure like `loadConfig`, which reports its problems in the same one line;
 * generating the development key is I/O and lives apart in `resolvePiiKeyring`.
 */
export interface PiiConfig {
  /** `PII_KEYS`: `kid:base64,kid:base64`, each key 32 bytes; empty: `DATA_DIR/pii-key` (never in production). */
  readonly keys: Readonly<Record<string, Buffer>>;
  /** `PII_ACTIVE_KEY`: the id new data keys are wrapped under; default the only key of `PII_KEYS`. */
  readonly activeKey: string | undefined;
  /** `PII_RETENTION_DAYS`: personal data of applications decided longer ago is erased; undefined: kept. */
  readonly retentionDays: number | undefined;
}

/** Name of the generated development key inside `DATA_DIR`, and the id it goes by. */
export const PII_KEY_FILE = 'pii-key';
export const GENERATED_PII_KEY_ID = 'local';

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

type Read = (name: string) => string | undefined;
type Problem = (message: string) => undefined;

export function loadPiiConfig(read: Read, problem: Problem, production: boolean): PiiConfig {
  const keys: Record<string, Buffer> = {};
  const raw = read('PII_KEYS');
  if (raw !== undefined) {
    for (const entry of raw.split(',').map((e) => e.trim())) {
      const colon = entry.indexOf(':');
      const kid = colon < 0 ? entry : entry.slice(0, colon);
      const key = colon < 0 ? Buffer.alloc(0) : Buffer.from(entry.slice(colon + 1), 'base64');
      // The key itself is never echoed: only its id, which is public.
      if (!KEY_ID.test(kid))
        problem(
          `PII_KEYS: ${JSON.stringify(kid.slice(0, 40))} is not a key id (1 to 32 of A-Z a-z 0-9 _ . -)`,
        );
      else if (keys[kid] !== undefined) problem(`PII_KEYS names key "${kid}" twice`);
      else if (key.length !== KEY_BYTES)
        problem(
          `PII_KEYS: key "${kid}" must be ${KEY_BYTES} bytes in base64 (kid:base64), got ${key.length}`,
        );
      else keys[kid] = key;
    }
  } else if (production) {
    problem('PII_KEYS must be set when NODE_ENV=production (a generated key is refused)');
  }
  const ids = Object.keys(keys);
  let activeKey = read('PII_ACTIVE_KEY');
  if (activeKey !== undefined && raw === undefined) {
    problem('PII_ACTIVE_KEY is set but PII_KEYS is not');
  } else if (activeKey !== undefined && keys[activeKey] === undefined && ids.length > 0) {
    problem(`PII_ACTIVE_KEY must name a key of PII_KEYS (got ${JSON.stringify(activeKey.slice(0, 40))})`);
  } else if (activeKey === undefined && ids.length > 1) {
    problem('PII_ACTIVE_KEY must name the key to encrypt with when PII_KEYS has several');
  }
  activeKey ??= ids.length === 1 ? ids[0] : undefined;

  const days = read('PII_RETENTION_DAYS');
  let retentionDays: number | undefined;
  if (days !== undefined) {
    const value = /^\d+$/.test(days) ? Number(days) : NaN;
    if (Number.isSafeInteger(value) && value >= 1) retentionDays = value;
    else
      problem(
        `PII_RETENTION_DAYS must be a positive integer (days) (got ${JSON.stringify(days.slice(0, 80))})`,
      );
  }
  return { keys, activeKey, retentionDays };
}

/**
 * The keyring personal data is sealed with: `PII_KEYS` and `PII_ACTIVE_KEY` when set; otherwise one key, id
 * `local`, generated once into `DATA_DIR/pii-key` (32 random bytes, base64url, mode 0600) with the same atomic
 * helper as the JWT secret. Refused in production. Losing that file loses every personal value sealed under it.
 */
export function resolvePiiKeyring(config: {
  pii: PiiConfig;
  dataDir: string;
  production: boolean;
}): Keyring & { generated: string | undefined } {
  const { keys, activeKey } = config.pii;
  if (activeKey !== undefined && keys[activeKey] !== undefined)
    return { active: activeKey, keys, generated: undefined };
  if (config.production)
    throw new Error('PII_KEYS must be set when NODE_ENV=production (a generated key is refused)');
  const file = join(config.dataDir, PII_KEY_FILE);
  mkdirSync(dirname(config.dataDir), { recursive: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const key = Buffer.from(readOrCreateSecretFile(file, KEY_BYTES), 'base64url');
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `${file} must hold a ${KEY_BYTES}-byte base64url key (got ${key.length} bytes); set PII_KEYS, or delete it only if no personal data was sealed with it`,
    );
  }
  return { active: GENERATED_PII_KEY_ID, keys: { [GENERATED_PII_KEY_ID]: key }, generated: file };
}
