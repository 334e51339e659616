/**
 * bench/instant: how long an application whose every step is approved by rule (秒批) takes from its submission to
 * `approved`, next to the plain submit latency measured in the same run, on each queue backend.
 *
 *   node --import ./scripts/register-ts.mjs bench/instant.ts [--count 300] [--concurrency 8] [--json[=file]]
 *
 * The real app (createApp, listening on 127.0.0.1:0) on a fresh database, over HTTP with an applicant JWT. See
 * bench/README.md for the options and how to read the figures. Talks only to 127.0.0.1 (REDIS_URL,
 * BENCH_DATABASE_URL), uses a queue prefix and databases of its own, cleans them up, and stops by itself.
 */
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../src/app.factory.js';
import { CONFIG_DEFAULTS } from '../src/config/app-config.js';
import type { RuntimeConfig } from '../src/config/runtime-config.js';
import { QUEUE_NAMES, QueueService } from '../src/timers/queue.service.js';

type Backend = 'redis' | 'postgres';

interface Options {
  backends: Backend[];
  warmup: number;
  count: number;
  concurrency: number;
  concurrentCount: number;
  pollMs: number;
  approveTimeoutMs: number;
  timeoutS: number;
  json: string | true | undefined;
  redisUrl: string;
  databaseUrl: string;
}

const HELP = `bench/instant: submit-to-approved latency of an all-rule application, next to plain submit latency

  --backend redis|postgres|both   default both
  --warmup N           applications of each kind before measuring, default 20
  --count N            measured applications of each kind, one at a time, default 300
  --concurrency K      also run a closed loop with K applications in flight (0: skip), default 8
  --concurrent-count N applications of each kind in the concurrent run, default --count
  --poll-ms MS         client polling interval of GET /applications/{id}, default 5
  --approve-timeout MS give up on one application after MS (counted as not approved), default 10000
  --timeout S          hard stop of the whole run (cleanup, exit 2), default 900
  --json[=FILE]        also print the results as JSON (to stdout, or to FILE)

  REDIS_URL (default redis://127.0.0.1:6379), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres):
  only 127.0.0.1 / localhost / ::1 are accepted.`;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    backends: ['redis', 'postgres'],
    warmup: 20,
    count: 300,
    concurrency: 8,
    concurrentCount: NaN,
    pollMs: 5,
    approveTimeoutMs: 10_000,
    timeoutS: 900,
    json: undefined,
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  const args = [...argv];
  const int = (name: string, raw: string | undefined, min: number): number => {
    const value =
      raw !== undefined && /^\d+$/.test(raw.replaceAll('_', '')) ? Number(raw.replaceAll('_', '')) : NaN;
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} wants an integer >= ${min}`);
    return value;
  };
  while (args.length > 0) {
    const arg = args.shift()!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => inline ?? args.shift();
    switch (flag) {
      case '--backend': {
        const which = value();
        if (which === 'both') options.backends = ['redis', 'postgres'];
        else if (which === 'redis' || which === 'postgres') options.backends = [which];
        else throw new Error('--backend wants redis, postgres or both');
        break;
      }
      case '--warmup':
        options.warmup = int(flag, value(), 0);
        break;
      case '--count':
        options.count = int(flag, value(), 1);
        break;
      case '--concurrency':
        options.concurrency = int(flag, value(), 0);
        break;
      case '--concurrent-count':
        options.concurrentCount = int(flag, value(), 1);
        break;
      case '--poll-ms':
        options.pollMs = int(flag, value(), 1);
        break;
      case '--approve-timeout':
        options.approveTimeoutMs = int(flag, value(), 100);
        break;
      case '--timeout':
        options.timeoutS = int(flag, value(), 10);
        break;
      case '--json':
        options.json = inline ?? true;
        break;
      case '--help':
      case '-h':
        console.log(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (Number.isNaN(options.concurrentCount)) options.concurrentCount = options.count;
  localOnly('REDIS_URL', options.redisUrl);
  localOnly('BENCH_DATABASE_URL', options.databaseUrl);
  return options;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
function localOnly(name: string, raw: string): void {
  const host = new URL(raw).hostname;
  if (!LOCAL_HOSTS.has(host)) throw new Error(`${name} must point at 127.0.0.1 (got host ${host})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

interface Stats {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const some = sorted.length > 0;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50) === null ? null : round1(percentile(sorted, 50)!),
    p95: percentile(sorted, 95) === null ? null : round1(percentile(sorted, 95)!),
    p99: percentile(sorted, 99) === null ? null : round1(percentile(sorted, 99)!),
    max: some ? round1(sorted[sorted.length - 1]!) : null,
    mean: some ? round1(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Resources of this run, all cleaned up at the end (also on a time-out or Ctrl-C)

const RUN = `bench_instant_${randomBytes(5).toString('hex')}`;
const JWT_SECRET = `bench-instant-${randomBytes(24).toString('hex')}`;
const databases: string[] = [];
const apps = new Map<NestFastifyApplication, Backend>();
const redisPrefixes = new Set<string>();
let cleaning: Promise<void> | undefined;

async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

async function createDatabase(adminUrl: string, suffix: string): Promise<string> {
  const name = `pa_${RUN}_${suffix}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  // Pools may still be ending their last connections just after close(): let them go before forcing.
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
  if (databases.includes(name)) databases.splice(databases.indexOf(name), 1);
}

/** Deletes every key of a prefix (SCAN + UNLINK; never FLUSHALL: the Redis may be shared). */
async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
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

const closing = new Map<NestFastifyApplication, Promise<void>>();

/**
 * Obliterates the app's queues (Redis only) and closes it; once, however many paths ask (the run's own `finally`
 * and the time-out's cleanup both wait for the same close, so no worker writes keys after they are deleted).
 */
function closeApp(app: NestFastifyApplication, backend: Backend): Promise<void> {
  let done = closing.get(app);
  if (!done) {
    done = (async () => {
      if (backend === 'redis') {
        // On a signal Nest's own shutdown hook may be closing the app already: then this fails, and the prefix's
        // keys are deleted by SCAN + UNLINK afterwards instead.
        try {
          const queues = app.get(QueueService);
          await Promise.all(QUEUE_NAMES.map((n) => queues.queue(n).obliterate({ force: true })));
        } catch (error) {
          log(`cleanup: queues not obliterated: ${(error as Error).message}`);
        }
      }
      await app.close().catch((error: Error) => log(`cleanup: app not closed: ${error.message}`));
      apps.delete(app);
    })();
    closing.set(app, done);
  }
  return done;
}

async function cleanup(options: Options): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...apps].map(([app, backend]) => closeApp(app, backend)));
    // Every prefix of the run, even one its backend already cleaned: a worker still closing under Nest's own
    // shutdown hook (on a signal) may have written a key after that.
    if (redisPrefixes.size > 0) await sleep(500);
    for (const prefix of [...redisPrefixes]) {
      const deleted = await deleteRedisKeys(options.redisUrl, prefix).catch((error: Error) => {
        log(`cleanup: Redis keys of ${prefix} not deleted: ${error.message}`);
        return 0;
      });
      if (deleted > 0) log(`cleanup: deleted ${deleted} leftover Redis keys with prefix ${prefix}:`);
    }
    for (const name of [...databases]) {
      await dropDatabase(options.databaseUrl, name).catch((error: Error) =>
        log(`cleanup: database ${name} not dropped: ${error.message}`),
      );
      log(`cleanup: dropped database ${name}`);
    }
  })();
  return cleaning;
}

// ---------------------------------------------------------------------------------------------------------------
// The app and its HTTP API

function runtimeConfig(
  backend: Backend,
  options: Options,
  databaseUrl: string,
  prefix: string,
): RuntimeConfig {
  return {
    nodeEnv: 'test',
    production: false,
    databaseUrl,
    redisUrl: backend === 'redis' ? options.redisUrl : undefined,
    jwtSecret: JWT_SECRET,
    dataDir: join(os.tmpdir(), RUN),
    port: 0,
    host: '127.0.0.1',
    // No such directory: no workflow files are registered at start-up; the benchmark registers its own.
    workflowsDir: join(os.tmpdir(), RUN, 'workflows'),
    calendarsDir: undefined,
    processRole: 'all',
    bodyLimitBytes: CONFIG_DEFAULTS.bodyLimitBytes,
    logLevel: 'error',
    factsAllowedHosts: [],
    sweepIntervalMs: CONFIG_DEFAULTS.sweepIntervalMs,
    queuePrefix: prefix,
  };
}

function token(role: 'admin' | 'applicant', sub: string): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

class Client {
  constructor(
    private readonly base: string,
    private readonly bearer: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.bearer}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }
}

const FORM = {
  type: 'object',
  required: ['amount', 'kind'],
  properties: { amount: { type: 'integer' }, kind: { type: 'string' } },
};

/** Two parallel steps, then one after both: the same shape for both kinds, only the rules differ. */
function workflow(key: string, withRules: boolean) {
  const rule = (r: unknown) => (withRules ? { autoApprove: r } : {});
  return {
    key,
    name: `Benchmark: ${withRules ? 'every step approved by rule' : 'no rules'}`,
    form: FORM,
    steps: [
      {
        id: 'amount',
        name: 'Small amount',
        department: 'bench-finance',
        timeLimit: { hours: 1 },
        ...rule({ '<=': [{ var: 'amount' }, 1000] }),
      },
      {
        id: 'kind',
        name: 'Individual applicant',
        department: 'bench-registry',
        timeLimit: { hours: 1 },
        ...rule({ '==': [{ var: 'kind' }, 'individual'] }),
      },
      {
        id: 'final',
        name: 'Final sign-off',
        department: 'bench-final',
        after: ['amount', 'kind'],
        timeLimit: { hours: 1 },
        ...rule(true),
      },
    ],
  };
}

const PLAIN = 'bench-plain';
const INSTANT = 'bench-instant';

// ---------------------------------------------------------------------------------------------------------------
// Measuring

interface PlainSample {
  id: string;
  submitMs: number;
}

interface InstantSample {
  id: string;
  submitMs: number;
  /** Request start to the first GET that shows `approved`; null when it did not within the time-out. */
  observedMs: number | null;
  polls: number;
}

async function submitOne(
  client: Client,
  key: string,
  i: number,
): Promise<PlainSample & { t0: number; status: string }> {
  const t0 = performance.now();
  const reply = await client.request<{ id: string; status: string }>('POST', '/api/v1/applications', {
    workflow: key,
    data: { amount: 100 + (i % 800), kind: 'individual' },
  });
  const submitMs = performance.now() - t0;
  if (reply.status !== 201)
    throw new Error(`submitting answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { id: reply.body.id, submitMs, t0, status: reply.body.status };
}

async function instantOne(client: Client, i: number, options: Options): Promise<InstantSample> {
  const { id, submitMs, t0, status } = await submitOne(client, INSTANT, i);
  if (status === 'approved') return { id, submitMs, observedMs: submitMs, polls: 0 };
  let polls = 0;
  while (performance.now() - t0 < options.approveTimeoutMs) {
    await sleep(options.pollMs);
    polls++;
    const view = await client.request<{ status: string }>('GET', `/api/v1/applications/${id}`);
    if (view.status === 200 && view.body.status === 'approved') {
      return { id, submitMs, observedMs: performance.now() - t0, polls };
    }
  }
  return { id, submitMs, observedMs: null, polls };
}

interface ServerRow {
  id: string;
  total: number | null;
  wave1: number | null;
  wave2: number | null;
}

/**
 * Server timestamps (the app's clock, ms resolution): decided_at - submitted_at of the application, and the two
 * waves of rule approvals: the two parallel steps decided after submission, then the last step after it opened.
 */
async function serverTimes(databaseUrl: string, ids: string[]): Promise<ServerRow[]> {
  const { rows } = await adminQuery(
    databaseUrl,
    `SELECT a.id,
            extract(epoch FROM a.decided_at - a.submitted_at) * 1000 AS total,
            (SELECT extract(epoch FROM max(t.decided_at) - a.submitted_at) * 1000
               FROM tasks t WHERE t.application_id = a.id AND t.step IN ('amount', 'kind')
              HAVING count(t.decided_at) = 2) AS wave1,
            (SELECT extract(epoch FROM t.decided_at - t.opened_at) * 1000
               FROM tasks t WHERE t.application_id = a.id AND t.step = 'final'
              ORDER BY t.attempt DESC LIMIT 1) AS wave2
       FROM applications a
      WHERE a.id = ANY($1) AND a.status = 'approved'`,
    [ids],
  );
  return (rows as { id: string; total: string | null; wave1: string | null; wave2: string | null }[]).map(
    (r) => ({
      id: r.id,
      total: r.total === null ? null : Number(r.total),
      wave1: r.wave1 === null ? null : Number(r.wave1),
      wave2: r.wave2 === null ? null : Number(r.wave2),
    }),
  );
}

/**
 * What one durable commit costs on this server, measured on the run's own database before the app starts: every
 * rule approval is a transaction of its own, so submit-to-approved is at least (1 + hops) commits long.
 */
async function commitCost(databaseUrl: string, rounds = 100): Promise<{ commit: Stats; roundTrip: Stats }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_commit_probe (i int)');
    const commit: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await client.query('BEGIN');
      await client.query('INSERT INTO bench_commit_probe VALUES ($1)', [i]);
      await client.query('COMMIT');
      commit.push(performance.now() - t0);
      const t1 = performance.now();
      await client.query('SELECT 1');
      roundTrip.push(performance.now() - t1);
    }
    await client.query('DROP TABLE bench_commit_probe');
    return { commit: stats(commit), roundTrip: stats(roundTrip) };
  } finally {
    await client.end();
  }
}

interface Phase {
  mode: 'sequential' | 'concurrent';
  inFlight: number;
  count: number;
  wallMs: number;
  plainSubmit: Stats;
  instantSubmit: Stats;
  instantObserved: Stats;
  instantServer: Stats;
  wave1Server: Stats;
  wave2Server: Stats;
  notApproved: number;
  meanPolls: number;
  ratioP95Observed: number | null;
  ratioP95Server: number | null;
}

/**
 * `count` of each kind, `inFlight` lanes; each lane alternates a plain submission and an instant one (waited for
 * until approved), so both kinds see the same load and drift.
 */
async function phase(
  client: Client,
  options: Options,
  count: number,
  inFlight: number,
  offset: number,
): Promise<{ plain: PlainSample[]; instant: InstantSample[]; wallMs: number }> {
  const plain: PlainSample[] = [];
  const instant: InstantSample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const i = offset + next++;
        const { id, submitMs } = await submitOne(client, PLAIN, i);
        plain.push({ id, submitMs });
        instant.push(await instantOne(client, i, options));
      }
    }),
  );
  return { plain, instant, wallMs: performance.now() - start };
}

async function measure(
  client: Client,
  databaseUrl: string,
  options: Options,
  mode: 'sequential' | 'concurrent',
  count: number,
  inFlight: number,
  offset: number,
): Promise<Phase> {
  log(`  ${mode}: ${count} of each kind, ${inFlight} in flight`);
  const { plain, instant, wallMs } = await phase(client, options, count, inFlight, offset);
  const server = await serverTimes(
    databaseUrl,
    instant.map((s) => s.id),
  );
  const observed = instant.flatMap((s) => (s.observedMs === null ? [] : [s.observedMs]));
  // What was measured is what it claims to be: every instant step decided by rule, no plain step decided at all.
  const { rows: check } = await adminQuery(
    databaseUrl,
    `SELECT count(*) FILTER (WHERE application_id = ANY($1) AND decided_by IS DISTINCT FROM 'rule')::int AS instant,
            count(*) FILTER (WHERE application_id = ANY($2) AND decided_at IS NOT NULL)::int AS plain
       FROM tasks WHERE application_id = ANY($1) OR application_id = ANY($2)`,
    [instant.filter((s) => s.observedMs !== null).map((s) => s.id), plain.map((s) => s.id)],
  );
  const odd = check[0] as { instant: number; plain: number };
  if (odd.instant > 0 || odd.plain > 0) {
    throw new Error(
      `${odd.instant} step(s) of approved instant applications not decided by rule, ` +
        `${odd.plain} step(s) of plain ones decided`,
    );
  }
  const result: Phase = {
    mode,
    inFlight,
    count,
    wallMs: Math.round(wallMs),
    plainSubmit: stats(plain.map((s) => s.submitMs)),
    instantSubmit: stats(instant.map((s) => s.submitMs)),
    instantObserved: stats(observed),
    instantServer: stats(server.flatMap((r) => (r.total === null ? [] : [r.total]))),
    wave1Server: stats(server.flatMap((r) => (r.wave1 === null ? [] : [r.wave1]))),
    wave2Server: stats(server.flatMap((r) => (r.wave2 === null ? [] : [r.wave2]))),
    notApproved: instant.length - observed.length,
    meanPolls: round1(instant.reduce((a, s) => a + s.polls, 0) / Math.max(1, instant.length)),
    ratioP95Observed: null,
    ratioP95Server: null,
  };
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;
  result.ratioP95Observed = ratio(result.instantObserved.p95, result.plainSubmit.p95);
  result.ratioP95Server = ratio(result.instantServer.p95, result.plainSubmit.p95);
  log(
    `  ${mode}: plain submit p95 ${result.plainSubmit.p95} ms; submit→approved p95 ${result.instantObserved.p95} ms ` +
      `(client), ${result.instantServer.p95} ms (server); not approved ${result.notApproved}`,
  );
  return result;
}

interface BackendResult {
  backend: Backend;
  warmup: number;
  pollMs: number;
  /** INSERT + COMMIT and SELECT 1 on the server, one connection, measured before the app starts. */
  postgres: { commit: Stats; roundTrip: Stats };
  phases: Phase[];
  notes: string[];
}

async function runBackend(backend: Backend, options: Options): Promise<BackendResult> {
  log(`== ${backend}`);
  const notes: string[] = [];
  const databaseUrl = await createDatabase(options.databaseUrl, backend === 'redis' ? 'redis' : 'pg');
  const dbName = new URL(databaseUrl).pathname.slice(1);
  const prefix = `${RUN}_${backend}`;
  if (backend === 'redis') redisPrefixes.add(prefix);
  let app: NestFastifyApplication | undefined;
  try {
    const postgres = await commitCost(databaseUrl);
    log(
      `  PostgreSQL: INSERT+COMMIT p50 ${postgres.commit.p50} ms, p95 ${postgres.commit.p95} ms; ` +
        `SELECT 1 p50 ${postgres.roundTrip.p50} ms`,
    );
    const bootStart = performance.now();
    app = await createApp(runtimeConfig(backend, options, databaseUrl, prefix));
    apps.set(app, backend);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const base = `http://127.0.0.1:${port}`;
    log(`  app up on ${base} in ${Math.round(performance.now() - bootStart)} ms (database ${dbName})`);
    if (app.get(QueueService).backend !== backend)
      throw new Error(`the app runs on ${app.get(QueueService).backend}`);

    const adminClient = new Client(base, await token('admin', 'bench-admin'));
    for (const definition of [workflow(PLAIN, false), workflow(INSTANT, true)]) {
      const registered = await adminClient.request('POST', '/api/v1/workflows', definition);
      if (registered.status !== 201 && registered.status !== 200) {
        throw new Error(
          `registering ${definition.key} answered ${registered.status}: ${JSON.stringify(registered.body)}`,
        );
      }
    }
    const client = new Client(base, await token('applicant', 'bench-applicant'));

    if (options.warmup > 0) {
      log(`  warm-up: ${options.warmup} of each kind`);
      const warm = await phase(client, options, options.warmup, 1, 0);
      const missed = warm.instant.filter((s) => s.observedMs === null).length;
      if (missed > 0)
        notes.push(`${missed} warm-up application(s) not approved within ${options.approveTimeoutMs} ms`);
    }
    const phases = [await measure(client, databaseUrl, options, 'sequential', options.count, 1, 1000)];
    if (options.concurrency > 0) {
      phases.push(
        await measure(
          client,
          databaseUrl,
          options,
          'concurrent',
          options.concurrentCount,
          options.concurrency,
          2000,
        ),
      );
    }
    for (const p of phases) {
      if (p.notApproved > 0)
        notes.push(`${p.mode}: ${p.notApproved} not approved within ${options.approveTimeoutMs} ms`);
    }
    return { backend, warmup: options.warmup, pollMs: options.pollMs, postgres, phases, notes };
  } finally {
    if (app) await closeApp(app, backend);
    if (backend === 'redis') {
      const left = await deleteRedisKeys(options.redisUrl, prefix);
      if (left > 0) log(`  deleted ${left} Redis keys left with prefix ${prefix}:`);
    }
    await dropDatabase(options.databaseUrl, dbName);
    log(`  dropped database ${dbName}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

async function machine(options: Options) {
  const cpus = os.cpus();
  const facts: Record<string, unknown> = {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    bullmq: (
      JSON.parse(
        readFileSync(join(import.meta.dirname, '..', 'node_modules', 'bullmq', 'package.json'), 'utf8'),
      ) as { version: string }
    ).version,
  };
  if (options.backends.includes('redis')) {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      facts.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
    } finally {
      redis.disconnect();
    }
  }
  const { rows } = await adminQuery(options.databaseUrl, 'SHOW server_version');
  facts.postgres = (rows[0] as { server_version: string }).server_version;
  return facts;
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toFixed(1));

function table(result: BackendResult): string {
  const pgCost = result.postgres;
  const out: string[] = [
    `${result.backend === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ postgres backend)'} ` +
      `[this server: INSERT+COMMIT p50 ${fmt(pgCost.commit.p50)} / p95 ${fmt(pgCost.commit.p95)} ms, ` +
      `SELECT 1 p50 ${fmt(pgCost.roundTrip.p50)} ms; the chain is 4 commits in a row]`,
  ];
  for (const p of result.phases) {
    const rows: [string, Stats][] = [
      ['plain submit (client: request → 201)', p.plainSubmit],
      ['instant submit (client: request → 201)', p.instantSubmit],
      [`submit→approved (client, poll ${result.pollMs} ms)`, p.instantObserved],
      ['submit→approved (server: decided-submitted)', p.instantServer],
      ['  wave 1: both parallel steps by rule', p.wave1Server],
      ['  wave 2: last step, opened → by rule', p.wave2Server],
    ];
    const head = ['', 'n', 'p50', 'p95', 'p99', 'max'];
    const body = rows.map(([label, s]) => [
      label,
      String(s.n),
      fmt(s.p50),
      fmt(s.p95),
      fmt(s.p99),
      fmt(s.max),
    ]);
    const all = [head, ...body];
    const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
    const line = (r: string[]) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    out.push(
      `  ${p.mode === 'sequential' ? 'one at a time' : `${p.inFlight} in flight (closed loop)`}: ` +
        `${p.count} of each kind after ${result.warmup} warm-up, ${(p.wallMs / 1000).toFixed(1)} s, ms:`,
      ...all.map((r) => `    ${line(r)}`),
      `    instant p95 / plain submit p95: ${p.ratioP95Observed ?? '-'} (client), ${p.ratioP95Server ?? '-'} (server); ` +
        `not approved: ${p.notApproved}; GET polls per application: ${p.meanPolls}`,
    );
    if (result.backend === 'redis' && p.mode === 'sequential') {
      const p95 = p.instantObserved.p95;
      out.push(
        `    target (issue 4): submit→approved p95 < 100 ms on Redis: ${
          p95 === null ? 'no data' : p95 < 100 ? `met (${p95} ms client-observed)` : `NOT met (${p95} ms)`
        }`,
      );
    }
  }
  for (const note of result.notes) out.push(`  note: ${note}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(64);
  }
  /** Set by the time-out (2) or a signal (130): the run was cut short and cleaned up under the running phase. */
  let stopped: number | undefined;
  const watchdog = setTimeout(() => {
    stopped = 2;
    log(`time-out after ${options.timeoutS} s: cleaning up and stopping`);
    void Promise.race([cleanup(options), sleep(30_000)]).finally(() => process.exit(2));
  }, options.timeoutS * 1000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: Nest's shutdown hook (createApp enables it) re-raises the signal after closing the app, and
    // that must not kill the process before the database and the Redis keys are gone.
    process.on(signal, () => {
      if (stopped !== undefined) return;
      stopped = 130;
      log(`${signal}: cleaning up`);
      void Promise.race([cleanup(options), sleep(30_000)]).finally(() => process.exit(130));
    });
  }

  const facts = await machine(options);
  log(`run ${RUN}; ${JSON.stringify(facts)}`);
  const results: BackendResult[] = [];
  let failed = false;
  try {
    for (const backend of options.backends) results.push(await runBackend(backend, options));
  } catch (error) {
    failed = true;
    log(`failed: ${(error as Error).stack}`);
  } finally {
    await cleanup(options);
    clearTimeout(watchdog);
  }
  if (stopped !== undefined) {
    // Cleaned up (awaited just above) under the running phase: no complete result to print.
    log('stopped before the end: no complete result');
    process.exit(stopped);
  }

  const loadAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
  facts.loadAverageAfter = loadAfter;
  const report = [
    `Instant approval benchmark (${new Date().toISOString()}): ${facts.cores as number} cores (${facts.cpu as string}), ` +
      `${facts.memoryGiB as number} GiB, load ${(facts.loadAverage as number[]).join(' ')} → ${loadAfter.join(' ')}, Node ${facts.node as string}, ` +
      `BullMQ ${facts.bullmq as string}${facts.redis ? `, Redis ${facts.redis as string}` : ''}, ` +
      `PostgreSQL ${facts.postgres as string}`,
    'workflow: steps A ∥ B (autoApprove on form data) → C after both (autoApprove: true); plain: same steps, no rules',
    'client = the benchmark (same process as the app) over HTTP; server = applications.decided_at - submitted_at',
    '',
    ...results.map((r) => `${table(r)}\n`),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (options.json !== undefined) {
    const json = JSON.stringify(
      { run: RUN, date: new Date().toISOString(), machine: facts, results },
      null,
      2,
    );
    if (options.json === true) process.stdout.write(`${json}\n`);
    else {
      writeFileSync(options.json, `${json}\n`);
      log(`JSON written to ${options.json}`);
    }
  }
  // Nest, BullMQ and pg may keep handles open for a moment: the run is over, so stop here.
  process.exit(failed ? 1 : 0);
}

await main();
