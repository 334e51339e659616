import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../app.factory.js';
import { dropDatabaseWhenIdle } from '../config/drop-database.js';
import { withClient } from '../config/pg-client.util.js';
import { DataSource } from 'typeorm';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { READ_APPLICATION_VIEW, READ_APPLICATION_VIEWS } from '../applications/application-sql.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';
import { IDLE_WRITE, READ_FOR_EVENT } from '../events/event-sql.util.js';
import { inboxStatement } from '../tasks/inbox-sql.util.js';
import { SECURITY_DEFAULTS } from '../config/security-config.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { runWarmUpLoad, WARM_UP_WORKFLOWS } from './warm-up-load.util.js';
import type { WarmUpCounts } from './warm-up-load.util.js';

/** Scratch databases are named `pa_warmup_<the server's seconds since the epoch>_<random>`. */
const SCRATCH_NAME = /^pa_warmup_(\d+)_[0-9a-f]{8}$/;
/** A scratch database or key prefix older than this is a killed warm-up's: the next warm-up drops it. */
const ABANDONED_AFTER_S = 600;
/** Applications in flight at once during a warm-up. */
const APPLICANTS = 12;

export interface WarmUpOptions {
  /** The serving app's configuration: the warm-up's app takes the server, the code and the keys from it. */
  config: RuntimeConfig;
  durationMs: number;
  /** Told what the warm-up could not clean up, which a later warm-up will. */
  warn: (message: string) => void;
}

export interface WarmUpResult extends WarmUpCounts {
  elapsedMs: number;
  /** The scratch database it wrote to. */
  scratchDatabase: string;
}

/**
 * Runs the app's everyday path for `durationMs` before the app that serves is built, so that V8 has compiled much
 * of it by the time the first client arrives. A fresh process otherwise spends its first seconds of traffic
 * interpreting and compiling that path, on the cores that PostgreSQL and the clients need too, and builds a backlog
 * that lasts longer than those seconds. Only the shared code carries over: the serving app's own objects are new to
 * it, so its first seconds still recompile some (docs/operations.md, "Warm-up"). Its traffic is spread over several
 * workflows of different shapes, so that a deployment's workflow is not new in kind to the compiled code.
 *
 * The warm-up is a second app in this process, with everything of its own that holds state: a scratch database on
 * the same server (created here and dropped after), its own queue prefix, and a random token secret that dies with
 * it. The code is what it shares: modules, classes and the compiled functions. It writes nothing to the
 * deployment's database or queues; it logs warnings and errors only. Throws when it could not run; the process then
 * serves cold.
 */
export async function warmUp({ config, durationMs, warn }: WarmUpOptions): Promise<WarmUpResult> {
  const started = Date.now();
  const scratch = await createScratchDatabase(config.databaseUrl, warn);
  const secret = randomBytes(32).toString('hex');
  const scratchApp = scratchConfig(config, scratch, secret);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    // Unreachable (a pooler that does not know the new database, pg_hba rules per database): found in a
    // millisecond here, where the app would retry its connection for half a minute.
    await withClient(scratch.url, () => Promise.resolve());
    app = await createApp(scratchApp);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    // Registered as the workflow files are, on the event loop: an HTTP registration would wait for the thread that
    // checks documents sent over HTTP to start, a second or two of a short warm-up when run from the sources.
    const definitions = app.get(DefinitionsService);
    for (const workflow of WARM_UP_WORKFLOWS) await definitions.registerAtStart(workflow);
    const counts = await runWarmUpLoad({
      base: `http://127.0.0.1:${port}`,
      secret,
      until: Date.now() + durationMs,
      applicants: APPLICANTS,
    });
    return { ...counts, elapsedMs: Date.now() - started, scratchDatabase: scratch.name };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`on scratch database ${scratch.name}: ${message}`, { cause: error });
  } finally {
    await app?.close().catch(() => undefined);
    // One pass over the warm-ups' keys takes this one's and those a killed warm-up left.
    const cleanups = await Promise.allSettled([
      scratch.drop(),
      config.redisUrl !== undefined
        ? dropRedisKeys(
            config.redisUrl,
            `${config.queuePrefix}.warm-up.*`,
            (key) =>
              key.startsWith(`${scratchApp.queuePrefix}:`) ||
              abandoned(/\.warm-up\.(\d+)\./.exec(key)?.[1], scratch.createdAt),
          )
        : Promise.resolve(),
    ]);
    for (const cleanup of cleanups) {
      if (cleanup.status === 'rejected') {
        warn(`warm-up left ${scratch.name} (or its keys) behind: ${String(cleanup.reason)}`);
      }
    }
  }
}

/**
 * Opens every connection of the serving app's pool before it listens, and runs on each the everyday path's statements
 * with values that match no row. A new PostgreSQL session costs the server a process, authentication, and on its
 * first use of each statement the parse and plan, and the catalog lookups of every table, index and function it
 * touches; the first burst of requests would otherwise pay for the whole pool's in its first second, on the cores it
 * needs to answer (docs/benchmarks.md, thirty-fifth round).
 */
export async function openConnections(app: INestApplication, poolSize: number): Promise<void> {
  const pool = (app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
  // All at once, so that the pool opens a session for each. Each holds its session only while it primes it and
  // never waits for a second one: whatever else runs at start (a checkpoint's tick holds one and asks for another)
  // gets its turn, and a session that fails to open leaves none of the others taken.
  await Promise.all(
    Array.from({ length: poolSize }, async () => {
      const client = await pool.connect();
      try {
        for (const { statement, values } of SESSION_PRIMERS)
          await client.query({ name: statement.name, text: statement.text, values });
      } finally {
        client.release();
      }
    }),
  );
}

const NO_ID = '00000000-0000-0000-0000-000000000000';
const officersInbox = inboxStatement({ status: 'open', departments: ['-'], rulePending: false, limit: 51 });
/** The everyday path's statements (a submission's aside), with values that match no row: they read and write nothing. */
export const SESSION_PRIMERS: readonly { statement: NamedStatement; values: unknown[] }[] = [
  { statement: READ_FOR_EVENT, values: [NO_ID, null] },
  { statement: READ_APPLICATION_VIEW, values: [NO_ID, 0] },
  { statement: READ_APPLICATION_VIEWS, values: [[NO_ID], [0]] },
  { statement: officersInbox.statement, values: officersInbox.values },
  IDLE_WRITE,
];

function scratchConfig(
  config: RuntimeConfig,
  scratch: { url: string; createdAt: number },
  jwtSecret: string,
): RuntimeConfig {
  const unlimited = 1_000_000_000;
  return {
    ...config,
    databaseUrl: scratch.url,
    jwtSecret,
    // The second part tells a later warm-up whether keys left behind are a killed warm-up's.
    queuePrefix: `${config.queuePrefix}.warm-up.${scratch.createdAt}.${randomBytes(4).toString('hex')}`,
    // The API alone: no workers, fewer connections to the server; the warm-up's work needs none (no rule reads
    // facts, no deadline falls due).
    processRole: 'api',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    auditCheckpointIntervalMs: 86_400_000,
    shutdownDelayMs: 0,
    security: {
      ...config.security,
      // Far above the load rather than 0 (off): the counting runs, and is compiled, as in the serving app.
      rateLimitPerAddress: unlimited,
      rateLimitPerCaller: unlimited,
      rateLimitPollsPerCaller: unlimited,
      // Its own tokens, in the claims it signs, whatever identity provider the deployment trusts.
      jwtJwksUrl: undefined,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      jwtRoleClaim: SECURITY_DEFAULTS.jwtRoleClaim,
      jwtDepartmentClaim: SECURITY_DEFAULTS.jwtDepartmentClaim,
      jwtMaxTokenAgeSeconds: SECURITY_DEFAULTS.jwtMaxTokenAgeSeconds,
      trustProxy: undefined,
      piiReadQuotas: SECURITY_DEFAULTS.piiReadQuotas,
    },
  };
}

async function createScratchDatabase(
  serverUrl: string,
  warn: (message: string) => void,
): Promise<{ name: string; url: string; createdAt: number; drop: () => Promise<void> }> {
  // The server's clock names it and judges its age, so that processes on hosts whose clocks differ agree.
  const { name, createdAt, url } = await withClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ now: string }>(
      'SELECT floor(extract(epoch FROM now()))::text AS now',
    );
    const now = Number(rows[0]?.now);
    await dropAbandoned(client, now, warn);
    const fresh = `pa_warmup_${now}_${randomBytes(4).toString('hex')}`;
    // Before CREATE: a URL that cannot be rewritten leaves no database behind.
    const freshUrl = new URL(serverUrl);
    freshUrl.pathname = `/${fresh}`;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(fresh)}`);
    return { name: fresh, createdAt: now, url: freshUrl.toString() };
  });
  return {
    name,
    url,
    createdAt,
    // Not forced: a client of the closed app still ending would be cut and end this process. Left behind, it is
    // dropped by a later warm-up.
    drop: () => withClient(serverUrl, (client) => dropDatabaseWhenIdle(client, name, { force: false })),
  };
}

/**
 * Drops the scratch databases, of this role, that warm-ups killed meanwhile left behind: older than
 * `ABANDONED_AFTER_S`, which no warm-up runs for. One it may not drop is reported and left.
 */
async function dropAbandoned(client: pg.Client, now: number, warn: (message: string) => void): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'pa\\_warmup\\_%' AND pg_get_userbyid(datdba) = current_user",
  );
  for (const { datname } of rows) {
    if (!abandoned(SCRATCH_NAME.exec(datname)?.[1], now)) continue;
    await client
      .query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`)
      .catch((error: unknown) =>
        warn(`could not drop the abandoned warm-up database ${datname}: ${String(error)}`),
      );
  }
}

function abandoned(createdAt: string | undefined, now: number): boolean {
  const seconds = Number(createdAt);
  return createdAt !== undefined && Number.isSafeInteger(seconds) && now - seconds > ABANDONED_AFTER_S;
}

/** Deletes the keys matching `pattern` that `chosen` picks: a warm-up's prefix holds a random part. */
async function dropRedisKeys(
  redisUrl: string,
  pattern: string,
  chosen: (key: string) => boolean,
): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      const picked = keys.filter(chosen);
      if (picked.length > 0) await redis.unlink(...picked);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
