import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../app.factory.js';
import { dropDatabaseWhenIdle } from '../config/drop-database.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { runWarmUpLoad } from './warm-up-load.util.js';
import type { WarmUpCounts } from './warm-up-load.util.js';

/** Scratch databases are named `pa_warmup_<seconds since the epoch>_<random>`. */
const SCRATCH_PREFIX = 'pa_warmup_';
/** A scratch database older than this is a crashed warm-up's: the next warm-up on the server drops it. */
const ABANDONED_AFTER_S = 600;
/** Applications in flight at once during a warm-up. */
const APPLICANTS = 12;

export interface WarmUpResult extends WarmUpCounts {
  elapsedMs: number;
  /** The scratch database it wrote to, dropped by the time this is returned. */
  scratchDatabase: string;
}

/**
 * Runs the app's everyday path for `durationMs` before the app that serves is built, so that V8 has compiled it
 * by the time the first client arrives. A fresh process otherwise spends its first seconds of traffic interpreting
 * and compiling that path, on the cores that PostgreSQL and the clients need too, and builds a backlog the rest of
 * its first minute works off.
 *
 * The warm-up is a second app in this process, with everything of its own that holds state: a scratch database on
 * the same server (created here and dropped after), its own queue prefix, and a random token secret that dies with
 * it. The code is what it shares: modules, classes and the compiled functions. Nothing it writes reaches the
 * deployment's database, queues or logs (it logs warnings and errors only).
 */
export async function warmUp(config: RuntimeConfig, durationMs: number): Promise<WarmUpResult> {
  const started = Date.now();
  const scratch = await createScratchDatabase(config.databaseUrl);
  const secret = randomBytes(32).toString('hex');
  const scratchApp = scratchConfig(config, scratch.url, secret);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    app = await createApp(scratchApp);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const counts = await runWarmUpLoad({
      base: `http://127.0.0.1:${port}`,
      secret,
      until: Date.now() + durationMs,
      applicants: APPLICANTS,
    });
    return { ...counts, elapsedMs: Date.now() - started, scratchDatabase: scratch.name };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`on scratch database ${scratch.name} (dropped): ${message}`, { cause: error });
  } finally {
    await app?.close().catch(() => undefined);
    await scratch.drop();
    if (config.redisUrl !== undefined) await dropRedisKeys(config.redisUrl, scratchApp.queuePrefix);
  }
}

/** Its jobs and rate-limit counters: every key under its own prefix, which holds a random part. */
async function dropRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function scratchConfig(config: RuntimeConfig, databaseUrl: string, jwtSecret: string): RuntimeConfig {
  const unlimited = 1_000_000_000;
  return {
    ...config,
    databaseUrl,
    jwtSecret,
    queuePrefix: `${config.queuePrefix}.warm-up.${randomBytes(4).toString('hex')}`,
    processRole: 'all',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    auditCheckpointIntervalMs: 86_400_000,
    shutdownDelayMs: 0,
    security: {
      ...config.security,
      rateLimitPerAddress: unlimited,
      rateLimitPerCaller: unlimited,
      rateLimitPollsPerCaller: unlimited,
      // Its own tokens, in the claims it signs, whatever identity provider the deployment trusts.
      jwtJwksUrl: undefined,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      jwtRoleClaim: 'role',
      jwtDepartmentClaim: 'department',
      trustProxy: undefined,
      piiReadQuotas: { departments: new Map(), others: undefined },
    },
  };
}

async function createScratchDatabase(
  serverUrl: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${SCRATCH_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, async (client) => {
    await dropAbandoned(client);
    await client.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(serverUrl, (client) => dropDatabaseWhenIdle(client, name)),
  };
}

/** Drops the scratch databases that warm-ups which never finished (a process killed meanwhile) left behind. */
async function dropAbandoned(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE '${SCRATCH_PREFIX}%'`,
  );
  const now = Date.now() / 1000;
  for (const { datname } of rows) {
    const created = Number(/^pa_warmup_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
    if (Number.isFinite(created) && now - created > ABANDONED_AFTER_S) {
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  }
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
