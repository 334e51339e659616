import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { POOL_SIZE, repointDataSource } from '../config/data-source.js';
import { dropDatabaseWhenIdle } from '../config/drop-database.js';
import { withClient } from '../config/pg-client.util.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { setAppLogLevel } from '../logging/pino-options.util.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { FINISH_MS, runWarmUpLoad } from './warm-up-load.util.js';
import type { WarmUpCaller, WarmUpCounts } from './warm-up-load.util.js';

/** Scratch databases are named `pa_warmup_<the server's seconds since the epoch>_<random>`. */
const SCRATCH_NAME = /^pa_warmup_(\d+)_[0-9a-f]{8}$/;
/** A scratch database older than this is a killed warm-up's: the next warm-up drops it. */
const ABANDONED_AFTER_S = 600;
/** Applications in flight at once during a warm-up. */
const APPLICANTS = 12;
/** How long the warm-up's tokens live past its end: they never leave the process, and die soon after it. */
const TOKEN_SLACK_S = 60;

export interface WarmUpOptions {
  /** The app that is to serve: initialized on the deployment's database, its start gate closed, not listening. */
  app: NestFastifyApplication;
  /** That app's configuration. */
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
 * The app could not be brought back to the deployment's database after its warm-up: the process must not serve.
 */
export class WarmUpStranded extends Error {}

/**
 * Runs the app's everyday path for `durationMs` through the very app that is to serve, before it listens, so that
 * V8 has compiled that path by the time the first client arrives, for the objects that app makes. A fresh process
 * otherwise spends its first seconds of traffic interpreting and compiling it, on the cores that PostgreSQL and the
 * clients need too, and builds a backlog that lasts longer than those seconds. A warm-up on a second app in the
 * process did not do: Fastify builds its request and reply classes per app, so every object of the serving app had
 * shapes the compiled code had not met, and V8 threw much of that code away under the first load.
 *
 * The app's data source is pointed at a scratch database on the same server (created here, migrated, and dropped
 * after), and back at the deployment's at the end, whatever happened. Meanwhile the app answers on a loopback port
 * of its own, to tokens signed here that live a minute past the warm-up, with its log at `warn`; its start gate,
 * closed, holds its workers, sweeps and rate limits. Its metrics are reset after. Throws when the warm-up could not
 * run, and the process serves cold; throws `WarmUpStranded` when the app is not back on the deployment's database.
 */
export async function warmUp({ app, config, durationMs, warn }: WarmUpOptions): Promise<WarmUpResult> {
  const started = Date.now();
  const dataSource = app.get(DataSource);
  const scratch = await createScratchDatabase(config.databaseUrl, warn);
  // Quiet: thousands of requests, none of them the deployment's. A level set quieter still stays.
  setAppLogLevel(config.logLevel === 'error' ? 'error' : 'warn');
  try {
    // Unreachable (a pooler that does not know the new database, pg_hba rules per database): found in a
    // millisecond here, where the data source would retry its connection for half a minute.
    await withClient(scratch.url, () => Promise.resolve());
    await repointDataSource(dataSource, scratch.url);
    const until = Date.now() + durationMs;
    const counts = await serveOnLoopback(app, (base) =>
      runWarmUpLoad({
        base,
        token: tokenSigner(config, until + FINISH_MS),
        // Random, so that nothing the app remembers of it can answer a request for a real workflow.
        workflowKey: `warm-up-${randomBytes(8).toString('hex')}`,
        until,
        applicants: APPLICANTS,
      }),
    );
    return { ...counts, elapsedMs: Date.now() - started, scratchDatabase: scratch.name };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`on scratch database ${scratch.name}: ${message}`, { cause: error });
  } finally {
    setAppLogLevel(config.logLevel);
    app.get(MetricsService).registry.resetMetrics();
    await backToDeployment(dataSource, config.databaseUrl);
    await scratch
      .drop()
      .catch((error: unknown) => warn(`warm-up left ${scratch.name} behind: ${String(error)}`));
  }
}

async function backToDeployment(dataSource: DataSource, url: string): Promise<void> {
  try {
    await repointDataSource(dataSource, url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new WarmUpStranded(`the database could not be opened again after the warm-up: ${message}`, {
      cause: error,
    });
  }
}

/**
 * Runs `load` against the app on a loopback port of its own, then closes that port and every connection to it:
 * `app.listen()` opens the deployment's port on the same HTTP server after.
 */
async function serveOnLoopback<T>(
  app: NestFastifyApplication,
  load: (base: string) => Promise<T>,
): Promise<T> {
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return await load(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/**
 * HS256 tokens the app accepts whatever identity provider it trusts as well: signed with its JWT_SECRET, the claims
 * where its configuration looks for them, its issuer and audience, and an expiry at `expiresAtMs` plus a minute.
 */
function tokenSigner(config: RuntimeConfig, expiresAtMs: number): (caller: WarmUpCaller) => Promise<string> {
  const key = new TextEncoder().encode(config.jwtSecret);
  const { jwtRoleClaim, jwtDepartmentClaim, jwtIssuer, jwtAudience } = config.security;
  const expiresAt = Math.ceil(expiresAtMs / 1000) + TOKEN_SLACK_S;
  return ({ sub, role, department }) => {
    const claims = withClaim({}, jwtRoleClaim, role);
    let jwt = new SignJWT(
      department === undefined ? claims : withClaim(claims, jwtDepartmentClaim, department),
    )
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(expiresAt);
    if (jwtIssuer !== undefined) jwt = jwt.setIssuer(jwtIssuer);
    if (jwtAudience !== undefined) jwt = jwt.setAudience(jwtAudience);
    return jwt.sign(key);
  };
}

/** `claims` with `value` at the dotted `path` (`realm_access.roles` nests), as the claims are read. */
function withClaim(claims: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const [first, ...rest] = path.split('.');
  if (rest.length === 0) return { ...claims, [path]: value };
  const inner = claims[first!];
  const nested = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
  return { ...claims, [first!]: withClaim(nested, rest.join('.'), value) };
}

/**
 * Opens every connection of the serving app's pool before it listens. A new PostgreSQL session costs the server a
 * process, authentication and its first catalog lookups; the first burst of requests would otherwise pay for twenty
 * of them in its first second, on the cores it needs to answer.
 */
export async function openConnections(app: INestApplication): Promise<void> {
  const dataSource = app.get(DataSource);
  await Promise.all(Array.from({ length: POOL_SIZE }, () => dataSource.query('SELECT 1')));
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
