import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseHostList } from '../common/allowed-host.util.js';
import { readOrCreateSecretFile } from './secret-file.js';
import { loadPiiConfig } from './pii-config.js';
import type { PiiConfig } from './pii-config.js';
import { loadSecurityConfig, MAX_DELAY_MS } from './security-config.js';
import type { SecurityConfig } from './security-config.js';

/**
 * The environment, read once at boot and validated as a whole.
 *
 * `loadConfig(env)` is pure (no file I/O): it reads only the given environment object, so specs can call it with
 * any values. Generating the JWT secret file is I/O and lives apart in `resolveJwtSecret(config)`; the bootstrap
 * calls both and provides `{ ...config, jwtSecret: resolveJwtSecret(config) }` under `APP_CONFIG`.
 */

export const APP_CONFIG = Symbol('APP_CONFIG');

export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** NestJS logger levels, most severe first: a level enables itself and every level before it. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Minimum length of `JWT_SECRET` (HS256 wants at least 256 bits of key). */
export const MIN_JWT_SECRET_LENGTH = 32;
/** Name of the generated secret file inside `DATA_DIR`. */
export const JWT_SECRET_FILE = 'jwt-secret';
/** Name of the generated Ed25519 seed inside `DATA_DIR` that signs audit checkpoints. */
export const AUDIT_SIGNING_KEY_FILE = 'audit-signing-key';

export interface AppConfig {
  /** `NODE_ENV`, default `development`. */
  readonly nodeEnv: string;
  /** `NODE_ENV === 'production'`. */
  readonly production: boolean;
  /** `DATABASE_URL`; undefined: start embedded PostgreSQL in `DATA_DIR/postgres`. */
  readonly databaseUrl: string | undefined;
  /** `REDIS_URL`; undefined: queues on PostgreSQL. */
  readonly redisUrl: string | undefined;
  /** `JWT_SECRET`; undefined: `resolveJwtSecret` reads or generates `DATA_DIR/jwt-secret` (never in production). */
  readonly jwtSecret: string | undefined;
  /** `DATA_DIR`, absolute; default `./.data`. */
  readonly dataDir: string;
  /** `PORT`, default 3000. */
  readonly port: number;
  /** `HOST`, default `127.0.0.1`. */
  readonly host: string;
  /** `WORKFLOWS_DIR`, absolute; default `./workflows`. */
  readonly workflowsDir: string;
  /** `CALENDARS_DIR`, absolute or undefined: the operator's own calendars, beside (and over) the shipped ones. */
  readonly calendarsDir: string | undefined;
  /** `PROCESS_ROLE`, default `all`. */
  readonly processRole: ProcessRole;
  /** `BODY_LIMIT_BYTES`, default 1 MiB. */
  readonly bodyLimitBytes: number;
  /** `LOG_LEVEL`, default `log`. */
  readonly logLevel: LogLevel;
  /** `FACTS_ALLOWED_HOSTS`, lower-cased, default empty (no external fact provider may be called). */
  readonly factsAllowedHosts: readonly string[];
  /** `SWEEP_INTERVAL_MS`, default 30000. */
  readonly sweepIntervalMs: number;
  /**
   * `EVENT_LOCK_AFTER_CONFLICTS`, default 3: how many write conflicts (the application changed between the event's
   * read and its write) an event meets without a lock before its next turn takes the application's row lock (0:
   * every event takes the lock, as before the compare-and-set).
   */
  readonly eventLockAfterConflicts: number;
  /** `WEBHOOK_ALLOWED_HOSTS`, same format as `FACTS_ALLOWED_HOSTS`; default empty (no webhook may be registered). */
  readonly webhookAllowedHosts: readonly string[];
  /** `SSE_HEARTBEAT_MS`, default 15000: a comment line on every open event stream, so proxies keep it open. */
  readonly sseHeartbeatMs: number;
  /** Input limits, time-outs and fact credentials (see security-config.ts). */
  readonly security: SecurityConfig;
  /**
   * `AUDIT_SIGNING_KEY`: an Ed25519 private key (PKCS#8, PEM or base64 DER), as PEM; undefined:
   * `resolveAuditSigningKey` reads or generates `DATA_DIR/audit-signing-key` (never in production).
   */
  readonly auditSigningKey: string | undefined;
  /** `AUDIT_CHECKPOINT_INTERVAL_MS`, default 300000: how often history checkpoints are signed. */
  readonly auditCheckpointIntervalMs: number;
  /**
   * `QUEUE_PREFIX`: prefix of every BullMQ key on Redis; undefined: derived from the database at start
   * (`databaseQueuePrefix`), so deployments sharing one Redis never take each other's jobs.
   */
  readonly queuePrefix: string | undefined;
  /** `SHUTDOWN_DELAY_MS`, default 0: on SIGTERM, how long the process stays up not ready before it closes. */
  readonly shutdownDelayMs: number;
  /** `METRICS_TOKEN`: when set, `GET /metrics` wants `Authorization: Bearer <token>`; undefined: open. */
  readonly metricsToken: string | undefined;
  /** Keys and retention of personal data at rest (see pii-config.ts). */
  readonly pii: PiiConfig;
  /**
   * `WARMUP_MS`, default 10000 when `NODE_ENV=production`, else 0: how long an API process runs its everyday path
   * on a scratch database before it listens (see src/warmup/warm-up.util.ts); 0 listens at once.
   */
  readonly warmupMs: number;
  /**
   * `DATABASE_POOL_SIZE`, default 10: connections a process keeps to PostgreSQL at most for its requests and jobs
   * (the queues on PostgreSQL keep pools of their own). More than the database server's cores can run at once only
   * queue in the server instead of in the pool (docs/operations.md, "Connections").
   */
  readonly databasePoolSize: number;
}

/** A bad environment. The message is one line naming every bad variable, separated by "; ". */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

export const CONFIG_DEFAULTS = {
  dataDir: './.data',
  port: 3000,
  host: '127.0.0.1',
  workflowsDir: './workflows',
  processRole: 'all',
  bodyLimitBytes: 1_048_576,
  logLevel: 'log',
  sweepIntervalMs: 30_000,
  eventLockAfterConflicts: 3,
  sseHeartbeatMs: 15_000,
  auditCheckpointIntervalMs: 300_000,
  shutdownDelayMs: 0,
  warmupMs: 0,
  databasePoolSize: 10,
} as const satisfies Partial<AppConfig>;

/** `WARMUP_MS` when `NODE_ENV=production` and it is not set: a fresh process there meets traffic at once. */
export const PRODUCTION_WARMUP_MS = 10_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment; throws one `ConfigError` listing every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const problem = (message: string): undefined => {
    problems.push(message);
    return undefined;
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';

  const databaseUrl = url(read('DATABASE_URL'), 'DATABASE_URL', ['postgres:', 'postgresql:'], problem);
  const redisUrl = url(read('REDIS_URL'), 'REDIS_URL', ['redis:', 'rediss:'], problem);

  let jwtSecret = env['JWT_SECRET'];
  if (jwtSecret === undefined || jwtSecret.trim() === '') {
    jwtSecret = undefined;
    if (production)
      problem('JWT_SECRET must be set when NODE_ENV=production (a generated secret is refused)');
  } else if (jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
    jwtSecret = problem(
      `JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters (got ${jwtSecret.length})`,
    );
  }

  const port = integer(
    read('PORT'),
    CONFIG_DEFAULTS.port,
    0,
    65_535,
    'PORT must be an integer from 0 to 65535',
  );

  const host = read('HOST') ?? CONFIG_DEFAULTS.host;
  if (/\s/.test(host)) problem(`HOST must be a host name or IP address (got ${quote(host)})`);

  const processRole = oneOf(read('PROCESS_ROLE'), PROCESS_ROLES, CONFIG_DEFAULTS.processRole, 'PROCESS_ROLE');
  const logLevel = oneOf(read('LOG_LEVEL'), LOG_LEVELS, CONFIG_DEFAULTS.logLevel, 'LOG_LEVEL');

  const bodyLimitBytes = integer(
    read('BODY_LIMIT_BYTES'),
    CONFIG_DEFAULTS.bodyLimitBytes,
    1,
    Number.MAX_SAFE_INTEGER,
    'BODY_LIMIT_BYTES must be a positive integer',
  );
  const calendarsDir = read('CALENDARS_DIR');
  const sweepIntervalMs = integer(
    read('SWEEP_INTERVAL_MS'),
    CONFIG_DEFAULTS.sweepIntervalMs,
    1,
    MAX_DELAY_MS,
    `SWEEP_INTERVAL_MS must be an integer from 1 to ${MAX_DELAY_MS} (milliseconds)`,
  );
  const eventLockAfterConflicts = integer(
    read('EVENT_LOCK_AFTER_CONFLICTS'),
    CONFIG_DEFAULTS.eventLockAfterConflicts,
    0,
    100,
    'EVENT_LOCK_AFTER_CONFLICTS must be an integer from 0 to 100',
  );

  const factsAllowedHosts = hostList('FACTS_ALLOWED_HOSTS');
  const webhookAllowedHosts = hostList('WEBHOOK_ALLOWED_HOSTS');
  const sseHeartbeatMs = integer(
    read('SSE_HEARTBEAT_MS'),
    CONFIG_DEFAULTS.sseHeartbeatMs,
    1,
    MAX_DELAY_MS,
    `SSE_HEARTBEAT_MS must be an integer from 1 to ${MAX_DELAY_MS} (milliseconds)`,
  );

  const auditCheckpointIntervalMs = integer(
    read('AUDIT_CHECKPOINT_INTERVAL_MS'),
    CONFIG_DEFAULTS.auditCheckpointIntervalMs,
    1000,
    MAX_DELAY_MS,
    `AUDIT_CHECKPOINT_INTERVAL_MS must be an integer from 1000 to ${MAX_DELAY_MS} (milliseconds)`,
  );
  const rawSigningKey = read('AUDIT_SIGNING_KEY');
  let auditSigningKey: string | undefined;
  if (rawSigningKey === undefined) {
    if (production)
      problem('AUDIT_SIGNING_KEY must be set when NODE_ENV=production (a generated key is refused)');
  } else {
    auditSigningKey = ed25519Pem(rawSigningKey);
    if (auditSigningKey === undefined)
      problem('AUDIT_SIGNING_KEY must be an Ed25519 private key in PKCS#8, as PEM or base64 DER');
  }

  const queuePrefix = read('QUEUE_PREFIX');
  if (queuePrefix !== undefined && !/^[A-Za-z0-9_.{}-]{1,64}$/.test(queuePrefix)) {
    problem(
      `QUEUE_PREFIX must be 1 to 64 letters, digits, "_", ".", "-", "{" or "}" (got ${quote(queuePrefix)})`,
    );
  }
  const shutdownDelayMs = integer(
    read('SHUTDOWN_DELAY_MS'),
    CONFIG_DEFAULTS.shutdownDelayMs,
    0,
    600_000,
    'SHUTDOWN_DELAY_MS must be an integer from 0 to 600000 (milliseconds)',
  );
  const warmupMs = integer(
    read('WARMUP_MS'),
    production ? PRODUCTION_WARMUP_MS : CONFIG_DEFAULTS.warmupMs,
    0,
    300_000,
    'WARMUP_MS must be an integer from 0 to 300000 (milliseconds)',
  );
  const databasePoolSize = integer(
    read('DATABASE_POOL_SIZE'),
    CONFIG_DEFAULTS.databasePoolSize,
    1,
    500,
    'DATABASE_POOL_SIZE must be an integer from 1 to 500 (connections)',
  );
  const metricsToken = read('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    problem(`METRICS_TOKEN must be at least 16 characters (got ${metricsToken.length})`);
  }

  const security = loadSecurityConfig(read, problem);
  const pii = loadPiiConfig(read, problem, production);
  // A stored Idempotency-Key answer may carry the applicant's data (a submission's view), sealed under the
  // deployment's keyring, not the application's: erasure does not reach it, so it must be gone by then.
  if (pii.retentionDays !== undefined && security.idempotencyKeyTtlSeconds > pii.retentionDays * 86_400) {
    problem(
      `IDEMPOTENCY_KEY_TTL_SECONDS must not exceed PII_RETENTION_DAYS (${pii.retentionDays * 86_400} seconds): a replayed answer may carry personal data (got ${security.idempotencyKeyTtlSeconds})`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv,
    production,
    databaseUrl,
    redisUrl,
    jwtSecret,
    dataDir: resolve(read('DATA_DIR') ?? CONFIG_DEFAULTS.dataDir),
    port,
    host,
    workflowsDir: resolve(read('WORKFLOWS_DIR') ?? CONFIG_DEFAULTS.workflowsDir),
    calendarsDir: calendarsDir === undefined ? undefined : resolve(calendarsDir),
    processRole,
    bodyLimitBytes,
    logLevel,
    factsAllowedHosts,
    sweepIntervalMs,
    eventLockAfterConflicts,
    webhookAllowedHosts,
    sseHeartbeatMs,
    security,
    auditSigningKey,
    auditCheckpointIntervalMs,
    queuePrefix,
    shutdownDelayMs,
    metricsToken,
    pii,
    warmupMs,
    databasePoolSize,
  };

  function hostList(name: string): string[] {
    const { hosts, bad } = parseHostList(read(name));
    if (bad.length > 0) {
      problem(`${name} must be a comma-separated list of host names (got ${bad.map(quote).join(', ')})`);
    }
    return hosts;
  }

  function integer(
    raw: string | undefined,
    fallback: number,
    min: number,
    max: number,
    rule: string,
  ): number {
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
    problem(`${rule} (got ${quote(raw)})`);
    return fallback;
  }

  function oneOf<T extends string>(
    raw: string | undefined,
    allowed: readonly T[],
    fallback: T,
    name: string,
  ): T {
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problem(`${name} must be one of ${allowed.join(', ')} (got ${quote(raw)})`);
    return fallback;
  }
}

function url(
  raw: string | undefined,
  name: string,
  protocols: readonly string[],
  problem: (message: string) => undefined,
): string | undefined {
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined && protocols.includes(parsed.protocol) && parsed.hostname !== '') return raw;
  const schemes = protocols.map((protocol) => `${protocol}//`).join(' or ');
  return problem(`${name} must be a ${schemes} URL (got ${quote(redactUrl(raw))})`);
}

/** Hides the credentials of a URL (`scheme://***@host…`) so error messages never print a password. */
export function redactUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const schemeEnd = raw.indexOf('://');
  const start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0;
  return `${raw.slice(0, start)}***${raw.slice(at)}`;
}

/** JSON quoting keeps the message on one line whatever the value holds; long values are cut. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/**
 * The secret that signs and verifies tokens: `JWT_SECRET` when set; otherwise the content of `DATA_DIR/jwt-secret`,
 * generated on first use (48 random bytes, base64url, file mode 0600) and reused afterwards. Creation is atomic
 * (write a temporary file, then hard-link it into place), so processes starting together on one `DATA_DIR` agree
 * on one secret. Refused in production: there the secret must come from the environment.
 */
export function resolveJwtSecret(config: Pick<AppConfig, 'jwtSecret' | 'dataDir' | 'production'>): string {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  if (config.production) {
    throw new ConfigError([
      'JWT_SECRET must be set when NODE_ENV=production (a generated secret is refused)',
    ]);
  }
  const file = join(config.dataDir, JWT_SECRET_FILE);
  mkdirSync(dirname(config.dataDir), { recursive: true }); // parents with the usual mode; DATA_DIR itself private
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = readOrCreateSecretFile(file, 48);
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new ConfigError([
      `${file} must hold at least ${MIN_JWT_SECRET_LENGTH} characters (got ${secret.length}); delete it to generate a new one or set JWT_SECRET`,
    ]);
  }
  return secret;
}

/** The PEM of an Ed25519 PKCS#8 private key given as PEM or as base64 DER; undefined for anything else. */
function ed25519Pem(raw: string): string | undefined {
  let key: KeyObject;
  try {
    key = raw.includes('-----BEGIN')
      ? createPrivateKey({ key: raw.replace(/\\n/g, '\n'), format: 'pem' })
      : createPrivateKey({ key: Buffer.from(raw, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType !== 'ed25519') return undefined;
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** PKCS#8 DER of an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The key that signs audit checkpoints, as PEM: `AUDIT_SIGNING_KEY` when set; otherwise an Ed25519 key whose seed
 * (32 random bytes, base64url) is generated once into `DATA_DIR/audit-signing-key` with the same atomic helper as
 * the JWT secret, so processes sharing a `DATA_DIR` sign with one key. Refused in production.
 */
export function resolveAuditSigningKey(
  config: Pick<AppConfig, 'auditSigningKey' | 'dataDir' | 'production'>,
): string {
  if (config.auditSigningKey !== undefined) return config.auditSigningKey;
  if (config.production) {
    throw new ConfigError([
      'AUDIT_SIGNING_KEY must be set when NODE_ENV=production (a generated key is refused)',
    ]);
  }
  const file = join(config.dataDir, AUDIT_SIGNING_KEY_FILE);
  mkdirSync(dirname(config.dataDir), { recursive: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const seed = Buffer.from(readOrCreateSecretFile(file, 32), 'base64url');
  if (seed.length !== 32) {
    throw new ConfigError([
      `${file} must hold a 32-byte base64url seed (got ${seed.length} bytes); delete it to generate a new key or set AUDIT_SIGNING_KEY`,
    ]);
  }
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
}
