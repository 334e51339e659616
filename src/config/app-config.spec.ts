import { afterAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  APP_CONFIG,
  ConfigError,
  loadConfig,
  PRODUCTION_WARMUP_MS,
  redactUrl,
  resolveAuditSigningKey,
  resolveJwtSecret,
} from './app-config.js';
import { SECURITY_DEFAULTS } from './security-config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = 'x'.repeat(32);
const PII_KEY = Buffer.alloc(32, 7);
const ED25519_PEM = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

describe('loadConfig', () => {
  it('gives every default for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: 'development',
      production: false,
      databaseUrl: undefined,
      redisUrl: undefined,
      jwtSecret: undefined,
      dataDir: resolve('.data'),
      port: 3000,
      host: '127.0.0.1',
      workflowsDir: resolve('workflows'),
      processRole: 'all',
      bodyLimitBytes: 1_048_576,
      logLevel: 'log',
      factsAllowedHosts: [],
      sweepIntervalMs: 30_000,
      eventLockAfterConflicts: 3,
      queuePrefix: undefined,
      shutdownDelayMs: 0,
      metricsToken: undefined,
      webhookAllowedHosts: [],
      sseHeartbeatMs: 15_000,
      security: SECURITY_DEFAULTS,
      auditSigningKey: undefined,
      auditCheckpointIntervalMs: 300_000,
      pii: { keys: {}, activeKey: undefined, retentionDays: undefined },
      warmupMs: 0,
      databasePoolSize: 10,
    });
  });

  it('treats empty and blank values as unset', () => {
    expect(loadConfig({ PORT: '', HOST: '  ', DATABASE_URL: '', JWT_SECRET: ' ' })).toEqual(loadConfig({}));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/approvals',
      REDIS_URL: 'rediss://cache.internal:6380',
      JWT_SECRET: SECRET,
      DATA_DIR: '/var/lib/approvals',
      PORT: '0',
      HOST: '0.0.0.0',
      WORKFLOWS_DIR: 'defs',
      PROCESS_ROLE: 'worker',
      BODY_LIMIT_BYTES: '65536',
      LOG_LEVEL: 'verbose',
      FACTS_ALLOWED_HOSTS: ' Registry.gov.example , *.facts.example:8443,, ',
      SWEEP_INTERVAL_MS: '5000',
      EVENT_LOCK_AFTER_CONFLICTS: '0',
      QUEUE_PREFIX: '{pa-production}',
      SHUTDOWN_DELAY_MS: '5000',
      METRICS_TOKEN: 'scrape-token-0123456789',
      WEBHOOK_ALLOWED_HOSTS: 'Portal.example,sms.example:8443',
      SSE_HEARTBEAT_MS: '2500',
      AUDIT_SIGNING_KEY: ED25519_PEM,
      AUDIT_CHECKPOINT_INTERVAL_MS: '60000',
      PII_KEYS: `old:${PII_KEY.toString('base64')}, new:${PII_KEY.toString('base64')}`,
      PII_ACTIVE_KEY: 'new',
      PII_RETENTION_DAYS: '365',
      WARMUP_MS: '2500',
      DATABASE_POOL_SIZE: '4',
    });
    expect(config).toEqual({
      nodeEnv: 'production',
      production: true,
      databaseUrl: 'postgresql://app:pw@db.internal:5432/approvals',
      redisUrl: 'rediss://cache.internal:6380',
      jwtSecret: SECRET,
      dataDir: '/var/lib/approvals',
      port: 0,
      host: '0.0.0.0',
      workflowsDir: resolve('defs'),
      processRole: 'worker',
      bodyLimitBytes: 65_536,
      logLevel: 'verbose',
      factsAllowedHosts: ['registry.gov.example', '*.facts.example:8443'],
      sweepIntervalMs: 5000,
      eventLockAfterConflicts: 0,
      queuePrefix: '{pa-production}',
      shutdownDelayMs: 5000,
      metricsToken: 'scrape-token-0123456789',
      webhookAllowedHosts: ['portal.example', 'sms.example:8443'],
      sseHeartbeatMs: 2500,
      security: SECURITY_DEFAULTS,
      auditSigningKey: ED25519_PEM,
      auditCheckpointIntervalMs: 60_000,
      pii: { keys: { old: PII_KEY, new: PII_KEY }, activeKey: 'new', retentionDays: 365 },
      warmupMs: 2500,
      databasePoolSize: 4,
    });
    expect(
      loadConfig({ DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost' }),
    ).toMatchObject({
      databaseUrl: 'postgres://localhost/x',
      redisUrl: 'redis://localhost',
    });
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535);
  });

  it.each([
    ['PORT', 'abc', 'PORT must be an integer from 0 to 65535 (got "abc")'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535 (got "65536")'],
    ['PORT', '-1', 'PORT must be an integer from 0 to 65535 (got "-1")'],
    ['PORT', '80.5', 'PORT must be an integer from 0 to 65535 (got "80.5")'],
    [
      'DATABASE_URL',
      'mysql://db/x',
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://db/x")',
    ],
    [
      'DATABASE_URL',
      'not a url',
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got "not a url")',
    ],
    ['REDIS_URL', 'http://cache', 'REDIS_URL must be a redis:// or rediss:// URL (got "http://cache")'],
    ['JWT_SECRET', 'short', 'JWT_SECRET must be at least 32 characters (got 5)'],
    ['HOST', 'local host', 'HOST must be a host name or IP address (got "local host")'],
    ['PROCESS_ROLE', 'both', 'PROCESS_ROLE must be one of api, worker, all (got "both")'],
    ['BODY_LIMIT_BYTES', '0', 'BODY_LIMIT_BYTES must be a positive integer (got "0")'],
    ['BODY_LIMIT_BYTES', '1mb', 'BODY_LIMIT_BYTES must be a positive integer (got "1mb")'],
    ['LOG_LEVEL', 'info', 'LOG_LEVEL must be one of error, warn, log, debug, verbose (got "info")'],
    [
      'FACTS_ALLOWED_HOSTS',
      'ok.example,https://bad.example/x',
      'FACTS_ALLOWED_HOSTS must be a comma-separated list of host names (got "https://bad.example/x")',
    ],
    [
      'SWEEP_INTERVAL_MS',
      '-5',
      'SWEEP_INTERVAL_MS must be an integer from 1 to 2147483647 (milliseconds) (got "-5")',
    ],
    // Longer than Node's timers take: it would run every millisecond.
    [
      'SWEEP_INTERVAL_MS',
      '2592000000',
      'SWEEP_INTERVAL_MS must be an integer from 1 to 2147483647 (milliseconds) (got "2592000000")',
    ],
    [
      'EVENT_LOCK_AFTER_CONFLICTS',
      '-1',
      'EVENT_LOCK_AFTER_CONFLICTS must be an integer from 0 to 100 (got "-1")',
    ],
    [
      'EVENT_LOCK_AFTER_CONFLICTS',
      'many',
      'EVENT_LOCK_AFTER_CONFLICTS must be an integer from 0 to 100 (got "many")',
    ],
    [
      'QUEUE_PREFIX',
      'pa:prod',
      'QUEUE_PREFIX must be 1 to 64 letters, digits, "_", ".", "-", "{" or "}" (got "pa:prod")',
    ],
    [
      'SHUTDOWN_DELAY_MS',
      '1s',
      'SHUTDOWN_DELAY_MS must be an integer from 0 to 600000 (milliseconds) (got "1s")',
    ],
    ['METRICS_TOKEN', 'short', 'METRICS_TOKEN must be at least 16 characters (got 5)'],
    [
      'DATABASE_POOL_SIZE',
      '0',
      'DATABASE_POOL_SIZE must be an integer from 1 to 500 (connections) (got "0")',
    ],
    [
      'DATABASE_POOL_SIZE',
      '501',
      'DATABASE_POOL_SIZE must be an integer from 1 to 500 (connections) (got "501")',
    ],
    [
      'DATABASE_POOL_SIZE',
      'ten',
      'DATABASE_POOL_SIZE must be an integer from 1 to 500 (connections) (got "ten")',
    ],
    [
      'WEBHOOK_ALLOWED_HOSTS',
      'portal.example,http://x',
      'WEBHOOK_ALLOWED_HOSTS must be a comma-separated list of host names (got "http://x")',
    ],
    [
      'SSE_HEARTBEAT_MS',
      '0',
      'SSE_HEARTBEAT_MS must be an integer from 1 to 2147483647 (milliseconds) (got "0")',
    ],
    [
      'AUDIT_CHECKPOINT_INTERVAL_MS',
      '999',
      'AUDIT_CHECKPOINT_INTERVAL_MS must be an integer from 1000 to 2147483647 (milliseconds) (got "999")',
    ],
    [
      'AUDIT_CHECKPOINT_INTERVAL_MS',
      '2147483648',
      'AUDIT_CHECKPOINT_INTERVAL_MS must be an integer from 1000 to 2147483647 (milliseconds) (got "2147483648")',
    ],
    [
      'AUDIT_SIGNING_KEY',
      'not a key',
      'AUDIT_SIGNING_KEY must be an Ed25519 private key in PKCS#8, as PEM or base64 DER',
    ],
    [
      'AUDIT_SIGNING_KEY',
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      'AUDIT_SIGNING_KEY must be an Ed25519 private key in PKCS#8, as PEM or base64 DER',
    ],
  ])('refuses %s=%j with one line naming it', (name, value, message) => {
    const error = configError({ [name]: value });
    expect(error.message).toBe(message);
    expect(error.problems).toEqual([message]);
    expect(error.name).toBe('ConfigError');
  });

  it('refuses an Idempotency-Key answer kept longer than personal data is, and takes one kept as long', () => {
    const message =
      'IDEMPOTENCY_KEY_TTL_SECONDS must not exceed PII_RETENTION_DAYS (86400 seconds): a replayed answer may carry personal data (got 86401)';
    const error = configError({ PII_RETENTION_DAYS: '1', IDEMPOTENCY_KEY_TTL_SECONDS: '86401' });
    expect(error.problems).toEqual([message]);
    expect(
      loadConfig({ PII_RETENTION_DAYS: '1', IDEMPOTENCY_KEY_TTL_SECONDS: '86400' }).pii.retentionDays,
    ).toBe(1);
  });

  it('refuses a generated JWT secret, audit key and personal-data key in production', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toBe(
      'JWT_SECRET must be set when NODE_ENV=production (a generated secret is refused); ' +
        'AUDIT_SIGNING_KEY must be set when NODE_ENV=production (a generated key is refused); ' +
        'PII_KEYS must be set when NODE_ENV=production (a generated key is refused)',
    );
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      AUDIT_SIGNING_KEY: ED25519_PEM,
      PII_KEYS: `k1:${PII_KEY.toString('base64')}`,
    });
    expect(config.jwtSecret).toBe(SECRET);
    expect(config.auditSigningKey).toBe(ED25519_PEM);
  });

  it('warms an API process up for 10 s in production unless WARMUP_MS says otherwise, and not at all elsewhere', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      AUDIT_SIGNING_KEY: ED25519_PEM,
      PII_KEYS: `k1:${PII_KEY.toString('base64')}`,
    };
    expect(loadConfig(production).warmupMs).toBe(PRODUCTION_WARMUP_MS);
    expect(PRODUCTION_WARMUP_MS).toBe(10_000);
    expect(loadConfig({ ...production, WARMUP_MS: '0' }).warmupMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test' }).warmupMs).toBe(0);
    expect(loadConfig({ WARMUP_MS: '300000' }).warmupMs).toBe(300_000);
  });

  it('reads AUDIT_SIGNING_KEY as base64 DER or as PEM with escaped newlines, giving the same PEM', () => {
    const der = createPrivateKey(ED25519_PEM).export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(loadConfig({ AUDIT_SIGNING_KEY: der }).auditSigningKey).toBe(ED25519_PEM);
    const oneLine = ED25519_PEM.trim().replace(/\n/g, '\\n');
    expect(loadConfig({ AUDIT_SIGNING_KEY: oneLine }).auditSigningKey).toBe(ED25519_PEM);
  });

  it('collects every bad variable into one line', () => {
    const error = configError({ PORT: 'x', LOG_LEVEL: 'loud', REDIS_URL: 'nope\nnext' });
    expect(error.message).toBe(
      'REDIS_URL must be a redis:// or rediss:// URL (got "nope\\nnext"); PORT must be an integer from 0 to 65535 (got "x"); ' +
        'LOG_LEVEL must be one of error, warn, log, debug, verbose (got "loud")',
    );
    expect(error.message).not.toContain('\n');
  });

  it('never prints credentials of a bad URL', () => {
    const error = configError({ DATABASE_URL: 'mysql://app:s3cret@db/x' });
    expect(error.message).toBe(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://***@db/x")',
    );
    expect(configError({ JWT_SECRET: 'tooshort-secret' }).message).not.toContain('tooshort-secret');
    expect(redactUrl('postgres://u:p@ss@h/db')).toBe('postgres://***@h/db');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });

  it('exports a symbol injection token', () => {
    expect(typeof APP_CONFIG).toBe('symbol');
  });
});

describe('resolveJwtSecret', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses JWT_SECRET when given, touching no file', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: join(dataDir, 'unused') });
    expect(resolveJwtSecret(config)).toBe(SECRET);
    expect(() => statSync(join(dataDir, 'unused'))).toThrow();
  });

  it('generates the secret once into DATA_DIR/jwt-secret and reuses it', () => {
    const config = loadConfig({ DATA_DIR: join(dataDir, 'nested', 'data') });
    const first = resolveJwtSecret(config);
    expect(first).toMatch(/^[A-Za-z0-9_-]{64}$/); // 48 bytes, base64url
    const file = join(config.dataDir, 'jwt-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveJwtSecret(loadConfig({ DATA_DIR: config.dataDir }))).toBe(first);
  });

  it('refuses a generated secret in production, and a damaged file', () => {
    expect(() => resolveJwtSecret({ jwtSecret: undefined, dataDir, production: true })).toThrow(ConfigError);
    const damaged = mkdtempSync(join(dataDir, 'damaged-'));
    writeFileSync(join(damaged, 'jwt-secret'), 'short\n');
    expect(() => resolveJwtSecret({ jwtSecret: undefined, dataDir: damaged, production: false })).toThrow(
      /jwt-secret must hold at least 32 characters \(got 5\)/,
    );
  });
});

describe('resolveAuditSigningKey', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-audit-key-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses AUDIT_SIGNING_KEY when given, touching no file', () => {
    const config = loadConfig({ AUDIT_SIGNING_KEY: ED25519_PEM, DATA_DIR: join(dataDir, 'unused') });
    expect(resolveAuditSigningKey(config)).toBe(ED25519_PEM);
    expect(() => statSync(join(dataDir, 'unused'))).toThrow();
  });

  it('generates an Ed25519 key once into DATA_DIR/audit-signing-key and reuses it', () => {
    const config = loadConfig({ DATA_DIR: join(dataDir, 'data') });
    const first = resolveAuditSigningKey(config);
    const key = createPrivateKey(first);
    expect(key.asymmetricKeyType).toBe('ed25519');
    const message = Buffer.from('checkpoint');
    expect(verify(null, message, createPublicKey(key), sign(null, message, key))).toBe(true);
    const file = join(config.dataDir, 'audit-signing-key');
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveAuditSigningKey(loadConfig({ DATA_DIR: config.dataDir }))).toBe(first);
  });

  it('refuses a generated key in production, and a damaged file', () => {
    expect(() => resolveAuditSigningKey({ auditSigningKey: undefined, dataDir, production: true })).toThrow(
      ConfigError,
    );
    const damaged = mkdtempSync(join(dataDir, 'damaged-'));
    writeFileSync(join(damaged, 'audit-signing-key'), 'short\n');
    expect(() =>
      resolveAuditSigningKey({ auditSigningKey: undefined, dataDir: damaged, production: false }),
    ).toThrow(/audit-signing-key must hold a 32-byte base64url seed \(got 3 bytes\)/);
  });
});
