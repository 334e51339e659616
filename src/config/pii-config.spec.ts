import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config.js';
import { GENERATED_PII_KEY_ID, PII_KEY_FILE, resolvePiiKeyring } from './pii-config.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('personal-data keys in the environment', () => {
  it('defaults the active key to the only one, and needs it named among several', () => {
    expect(loadConfig({ PII_KEYS: `a:${key(1)}` }).pii.activeKey).toBe('a');
    expect(problems({ PII_KEYS: `a:${key(1)},b:${key(2)}` })).toEqual([
      'PII_ACTIVE_KEY must name the key to encrypt with when PII_KEYS has several',
    ]);
  });

  it.each([
    [{ PII_KEYS: 'a:c2hvcnQ=' }, 'PII_KEYS: key "a" must be 32 bytes in base64 (kid:base64), got 5'],
    [{ PII_KEYS: `a b:${key(1)}` }, 'PII_KEYS: "a b" is not a key id (1 to 32 of A-Z a-z 0-9 _ . -)'],
    [{ PII_KEYS: `a:${key(1)},a:${key(2)}` }, 'PII_KEYS names key "a" twice'],
    [
      { PII_KEYS: `a:${key(1)}`, PII_ACTIVE_KEY: 'b' },
      'PII_ACTIVE_KEY must name a key of PII_KEYS (got "b")',
    ],
    [{ PII_ACTIVE_KEY: 'a' }, 'PII_ACTIVE_KEY is set but PII_KEYS is not'],
    [{ PII_RETENTION_DAYS: '0' }, 'PII_RETENTION_DAYS must be a positive integer (days) (got "0")'],
  ])('refuses %j with one line that never shows a key', (env, message) => {
    const found = problems(env);
    expect(found).toEqual([message]);
    expect(found.join()).not.toContain(key(1));
  });
});

describe('resolvePiiKeyring', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('uses PII_KEYS when given, touching no file', () => {
    const dataDir = join(tmpdir(), 'pa-pii-none');
    const config = { ...loadConfig({ PII_KEYS: `a:${key(1)}` }), dataDir };
    expect(resolvePiiKeyring(config)).toEqual({
      active: 'a',
      keys: { a: Buffer.alloc(32, 1) },
      generated: undefined,
    });
  });

  it('generates a development key once into DATA_DIR/pii-key (mode 0600) and reuses it; never in production', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pa-pii-'));
    dirs.push(dataDir);
    const config = { ...loadConfig({}), dataDir };
    const first = resolvePiiKeyring(config);
    expect(first.active).toBe(GENERATED_PII_KEY_ID);
    expect(first.generated).toBe(join(dataDir, PII_KEY_FILE));
    expect(first.keys[GENERATED_PII_KEY_ID]).toHaveLength(32);
    expect(statSync(join(dataDir, PII_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(resolvePiiKeyring(config).keys).toEqual(first.keys);
    expect(() => resolvePiiKeyring({ ...config, production: true })).toThrow(/PII_KEYS must be set/);
  });
});
