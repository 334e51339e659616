/**
 * What bench/deadlines.ts and bench/instant.ts share: option parsing and the 127.0.0.1-only guard, logging,
 * percentiles, machine facts, the run's throw-away databases and Redis keys, the hard stop on a time-out or a
 * signal, and the end of the report. Not a benchmark itself: it runs nothing when imported.
 */
import { Redis } from 'ioredis';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CONFIG_DEFAULTS } from '../src/config/app-config.js';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import type { RuntimeConfig } from '../src/config/runtime-config.js';

export type Backend = 'redis' | 'postgres';

/** The options both benchmarks take; each adds its own. */
export interface CommonOptions {
  backends: Backend[];
  timeoutS: number;
  json: string | true | undefined;
  redisUrl: string;
  databaseUrl: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Options

/** The --help text: `title`, then --backend, the benchmark's own `lines`, --timeout, --json and the environment. */
export function helpText(title: string, lines: string, defaultTimeoutS: number): string {
  return `${title}

  --backend redis|postgres|both   default both
${lines}
  --timeout S          hard stop of the whole run (cleanup, exit 2), default ${defaultTimeoutS}
  --json[=FILE]        also print the results as JSON (to stdout, or to FILE)

  REDIS_URL (default redis://127.0.0.1:6379), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres):
  only 127.0.0.1 / localhost / ::1 are accepted.`;
}

/** Both backends, no JSON, and the servers of REDIS_URL and BENCH_DATABASE_URL (or their local defaults). */
export function commonDefaults(timeoutS: number): CommonOptions {
  return {
    backends: ['redis', 'postgres'],
    timeoutS,
    json: undefined,
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** Reads the current option's integer value (from `--flag=N` or the next argument); `min` is the least accepted. */
export type IntOption = (min: number) => number;

/**
 * Parses `--flag value` and `--flag=value` into `options`: --backend, --timeout, --json and --help here, any other
 * flag through `own` (which answers false for a flag it does not know). Prints `help` and exits 0 on --help; prints
 * the error and `help` and exits 64 on a bad option. Only local servers are accepted.
 */
export function parseOptions<T extends CommonOptions>(
  argv: string[],
  help: string,
  options: T,
  own: (flag: string, int: IntOption) => boolean,
): T {
  return exitOnBadOption(help, options, () => {
    const args = [...argv];
    while (args.length > 0) {
      const arg = args.shift()!;
      const [flag, inline] = arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg];
      const value = () => inline ?? args.shift();
      const int: IntOption = (min) => {
        const raw = value();
        const parsed =
          raw !== undefined && /^\d+$/.test(raw.replaceAll('_', '')) ? Number(raw.replaceAll('_', '')) : NaN;
        if (!Number.isSafeInteger(parsed) || parsed < min)
          throw new Error(`${flag} wants an integer >= ${min}`);
        return parsed;
      };
      switch (flag) {
        case '--backend': {
          const which = value();
          if (which === 'both') options.backends = ['redis', 'postgres'];
          else if (which === 'redis' || which === 'postgres') options.backends = [which];
          else throw new Error('--backend wants redis, postgres or both');
          break;
        }
        case '--timeout':
          options.timeoutS = int(10);
          break;
        case '--json':
          options.json = inline ?? true;
          break;
        case '--help':
        case '-h':
          console.log(help);
          process.exit(0);
          break;
        default:
          if (!own(flag, int)) throw new Error(`unknown option ${arg} (try --help)`);
      }
    }
    localOnly('BENCH_DATABASE_URL', options.databaseUrl);
  });
}

/** One flag of a command line, as `readFlags` hands it over. */
export interface Flag {
  flag: string;
  /** What followed `=`, if anything. */
  inline: string | undefined;
  /** The flag's value: after `=`, or the next argument. */
  value: () => string;
  /** The value as a positive integer; throws naming the flag otherwise. */
  int: () => number;
}

/**
 * Reads `--flag value` and `--flag=value` from `argv`, handing each flag to `own`, which answers false for one it
 * does not know (an error naming it); `--help` prints `help` and exits 0. Run it within exitOnBadOption.
 */
export function readFlags(argv: string[], help: string, own: (flag: Flag) => boolean): void {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    const int = () => {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} wants a positive integer`);
      return n;
    };
    if (flag === '--help' || flag === '-h') {
      console.log(help);
      process.exit(0);
    }
    if (!own({ flag, inline, value, int })) throw new Error(`unknown option ${flag}`);
  }
}

/**
 * `--node-args`' value: flags for the service's `node`, separated by spaces, each starting with `--` (a value
 * given apart from its flag would be read as the script to run).
 */
export function nodeArgs(raw: string | undefined): string[] {
  const flags = (raw ?? '').split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !f.startsWith('--'));
  if (flags.length === 0 || bad !== undefined)
    throw new Error(
      `--node-args wants node flags, each starting with --${bad === undefined ? '' : ` (got ${bad})`}`,
    );
  return flags;
}

/** The report's line on the service's node flags: empty without any. */
export function nodeArgsLine(flags: string[]): string[] {
  return flags.length === 0 ? [] : [`service processes run with node ${flags.join(' ')} (the floor without)`];
}

/**
 * Runs `read`, which fills `options` from the command line and throws on a bad option, then checks that REDIS_URL
 * points at this machine. A bad option prints its error and `help` and exits 64.
 */
export function exitOnBadOption<T extends { redisUrl: string }>(
  help: string,
  options: T,
  read: () => void,
): T {
  try {
    read();
    localOnly('REDIS_URL', options.redisUrl);
    return options;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${help}`);
    process.exit(64);
  }
}

/** Writes `report` as JSON to stdout (`true`) or to the file `target` names; nothing when `target` is undefined. */
export function writeJson(target: string | true | undefined, report: unknown): void {
  if (target === undefined) return;
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (target === true) process.stdout.write(text);
  else writeFileSync(target, text);
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
function localOnly(name: string, raw: string): void {
  const host = new URL(raw).hostname;
  if (!LOCAL_HOSTS.has(host)) throw new Error(`${name} must point at 127.0.0.1 (got host ${host})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const started = performance.now();
/** One line on stderr, stamped with the seconds since the run started. */
export function log(message: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `n` to one decimal: the precision every bench prints rates and milliseconds in. */
export const tenths = (n: number) => Math.round(n * 10) / 10;
/** `tenths`, passing null (a percentile of no samples) through. */
export const tenthsOrNull = (n: number | null) => (n === null ? null : tenths(n));

/** Nearest-rank percentile of ascending `sorted`; null when there are no samples. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `work(n)` for n in [0, count) with `lanes` calls in flight; a lane stops taking work once `stop()` is true. */
export async function inLanes(
  count: number,
  lanes: number,
  work: (n: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (!stop() && next < count) await work(next++);
    }),
  );
}

/** Rows of cells as lines: the first column padded to the right, the others to the left, `gap` between. */
export function alignColumns(rows: string[][], gap: string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(gap),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The machine and its servers

/** Cores, CPU model and memory of this machine. */
export function hostFacts(): { cores: number; cpu: string; memoryGiB: number } {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

export const platform = () => `${os.platform()} ${os.release()}`;

/** The installed BullMQ's version. */
export function bullmqVersion(): string {
  return (
    JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'node_modules', 'bullmq', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
}

/** The Redis server's version when a backend of the run is Redis, and PostgreSQL's when `postgres` is true. */
export async function serverVersions(
  options: CommonOptions,
  postgres: boolean,
): Promise<{ redis?: string; postgres?: string }> {
  const versions: { redis?: string; postgres?: string } = {};
  if (options.backends.includes('redis')) {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      versions.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
    } finally {
      redis.disconnect();
    }
  }
  if (postgres) {
    const { rows } = await adminQuery(options.databaseUrl, 'SHOW server_version');
    versions.postgres = (rows[0] as { server_version: string }).server_version;
  }
  return versions;
}

// ---------------------------------------------------------------------------------------------------------------
// Resources of a run, all cleaned up at the end (also on a time-out or Ctrl-C)

/** A name of its own for one run, `${prefix}_` and 10 hex digits: database names and Redis key prefixes start with it. */
export const runName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

/** One statement on its own connection. */
export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** The databases a run creates (`pa_<run>_<suffix>`), remembered until dropped so that a cleanup finds them. */
export class RunDatabases {
  readonly names: string[] = [];

  constructor(private readonly run: string) {}

  /** Creates a database on the server of `adminUrl`; answers its URL. */
  async create(adminUrl: string, suffix: string): Promise<string> {
    const name = `pa_${this.run}_${suffix}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    this.names.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async drop(adminUrl: string, name: string): Promise<void> {
    // Pools (BullMQ's, the app's) may still be ending their last connections just after close(): let them go
    // before forcing.
    for (let i = 0; i < 30; i++) {
      const { rows } = await adminQuery(
        adminUrl,
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if ((rows[0] as { n: number }).n === 0) break;
      await sleep(100);
    }
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (this.names.includes(name)) this.names.splice(this.names.indexOf(name), 1);
  }
}

/** Deletes every key of a prefix (SCAN + UNLINK; never FLUSHALL: the Redis may be shared). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = nextCursor;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * The app's configuration for a run on `backend` (Redis: `options.redisUrl`) and `databaseUrl`: its data under the OS
 * temp folder, no workflow files, errors only, queue keys under `queuePrefix`.
 */
export function benchRuntimeConfig(
  backend: Backend,
  options: CommonOptions,
  databaseUrl: string,
  { run, jwtSecret, queuePrefix }: { run: string; jwtSecret: string; queuePrefix: string },
): RuntimeConfig {
  return {
    nodeEnv: 'test',
    production: false,
    databaseUrl,
    redisUrl: backend === 'redis' ? options.redisUrl : undefined,
    jwtSecret,
    dataDir: join(os.tmpdir(), run),
    port: 0,
    host: '127.0.0.1',
    // No such directory: no workflow files are registered at start-up; the benchmark registers its own.
    workflowsDir: join(os.tmpdir(), run, 'workflows'),
    calendarsDir: undefined,
    processRole: 'all',
    bodyLimitBytes: CONFIG_DEFAULTS.bodyLimitBytes,
    logLevel: 'error',
    factsAllowedHosts: [],
    webhookAllowedHosts: [],
    sseHeartbeatMs: CONFIG_DEFAULTS.sseHeartbeatMs,
    sweepIntervalMs: CONFIG_DEFAULTS.sweepIntervalMs,
    eventLockAfterConflicts: CONFIG_DEFAULTS.eventLockAfterConflicts,
    shutdownDelayMs: 0,
    metricsToken: undefined,
    // One load generator on one address would meet the abuse limits; the benchmarks measure the engine.
    security: {
      ...SECURITY_DEFAULTS,
      rateLimitPerAddress: 0,
      rateLimitPerCaller: 0,
      rateLimitPollsPerCaller: 0,
    },
    auditSigningKey: generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    auditCheckpointIntervalMs: CONFIG_DEFAULTS.auditCheckpointIntervalMs,
    queuePrefix,
    pii: { keyring: { active: 'bench', keys: { bench: randomBytes(32) } }, retentionDays: undefined },
    warmupMs: 0,
    databasePoolSize: CONFIG_DEFAULTS.databasePoolSize,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Stopping, running and reporting

export interface HardStop {
  /** 2 after the time-out, 130 after a signal, undefined while the run goes on. */
  stopped(): number | undefined;
  /** Cancels the time-out (the signal handlers stay). */
  disarm(): void;
}

/**
 * After `timeoutS` (exit 2) and on SIGINT or SIGTERM (exit 130): logs, runs `cleanup` (30 s at most) and exits.
 * With `keepListening` the signal handlers stay and ignore any signal once the run is stopping (Nest's shutdown
 * hook re-raises the signal after closing an app, and that must not kill the process before the cleanup is done);
 * without it each handler runs once.
 */
export function hardStop(
  timeoutS: number,
  cleanup: () => Promise<void>,
  { keepListening }: { keepListening: boolean },
): HardStop {
  let stopped: number | undefined;
  const stop = (code: number, message: string) => {
    stopped = code;
    log(message);
    void Promise.race([cleanup(), sleep(30_000)]).finally(() => process.exit(code));
  };
  const watchdog = setTimeout(
    () => stop(2, `time-out after ${timeoutS} s: cleaning up and stopping`),
    timeoutS * 1000,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (keepListening) {
      process.on(signal, () => {
        if (stopped === undefined) stop(130, `${signal}: cleaning up`);
      });
    } else {
      process.once(signal, () => stop(130, `${signal}: cleaning up`));
    }
  }
  return { stopped: () => stopped, disarm: () => clearTimeout(watchdog) };
}

/**
 * Runs each backend in turn; a failure is logged and ends the loop. Cleans up and disarms the time-out either way.
 */
export async function runBackends<R>(
  backends: Backend[],
  run: (backend: Backend) => Promise<R>,
  cleanup: () => Promise<void>,
  stop: HardStop,
): Promise<{ results: R[]; failed: boolean }> {
  const results: R[] = [];
  let failed = false;
  try {
    for (const backend of backends) results.push(await run(backend));
  } catch (error) {
    failed = true;
    log(`failed: ${(error as Error).stack}`);
  } finally {
    await cleanup();
    stop.disarm();
  }
  return { results, failed };
}

/**
 * Prints the report, and the results as JSON when asked (to stdout, or to the file `--json=FILE` named), then exits:
 * 1 when a backend failed, else 0. Nest, BullMQ and pg may keep handles open for a moment: the run is over.
 */
export function finish(
  report: string,
  json: string | true | undefined,
  run: string,
  facts: Record<string, unknown>,
  results: unknown[],
  failed: boolean,
): never {
  process.stdout.write(`${report}\n`);
  if (json !== undefined) {
    const text = JSON.stringify({ run, date: new Date().toISOString(), machine: facts, results }, null, 2);
    if (json === true) process.stdout.write(`${text}\n`);
    else {
      writeFileSync(json, `${text}\n`);
      log(`JSON written to ${json}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
