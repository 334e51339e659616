/**
 * bench/deadlines: scheduling rate and firing lateness of deadline jobs with many deadlines pending, on each queue
 * backend, next to a bare BullMQ delayed-job baseline run in the same process.
 *
 *   node --import ./scripts/register-ts.mjs bench/deadlines.ts [--pending 100000] [--batch 300] [--json[=file]]
 *
 * See bench/README.md for the options and how to read the figures. Talks only to 127.0.0.1 (REDIS_URL,
 * BENCH_DATABASE_URL), uses a key prefix / databases of its own, cleans them up, and stops by itself.
 */
import 'reflect-metadata';
import { createPostgresBackend, Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { RuntimeConfig } from '../src/config/runtime-config.js';
import { CONFIG_DEFAULTS } from '../src/config/app-config.js';
import { QueueService } from '../src/timers/queue.service.js';
import type { TaskJobData } from '../src/timers/queue.service.js';
import { ADMIN, applicant, JWT_SECRET, TestApp } from '../test/support/test-app.js';

type Backend = 'redis' | 'postgres';

interface Options {
  backends: Backend[];
  pending: number;
  pgPending: number;
  batch: number;
  spreadMs: number;
  inflight: number;
  concurrency: number;
  e2e: boolean;
  e2eSeconds: number;
  scheduleBudgetS: number;
  timeoutS: number;
  json: string | true | undefined;
  redisUrl: string;
  databaseUrl: string;
}

const HELP = `bench/deadlines: scheduling rate and firing lateness of deadline jobs, ours vs bare BullMQ

  --backend redis|postgres|both   default both
  --pending N          pending deadlines (delay 1 h) on Redis, default 100000
  --pg-pending N       pending deadlines on PostgreSQL, default min(--pending, 20000)
  --batch B            jobs that fall due during the run, default 300
  --spread MS          the batch's due times are spread evenly over MS, default 2000
  --inflight K         adds in flight while scheduling, default 64
  --concurrency C      baseline worker concurrency, default 8 (QueueService.work's default)
  --no-e2e             skip the end-to-end run (real app over HTTP, deemed approvals)
  --e2e-seconds S      the end-to-end step's timeLimit, default 3
  --schedule-budget S  stop scheduling pending jobs after S seconds per phase, default 300 (the N used is printed)
  --timeout S          hard stop of the whole run (cleanup, exit 2), default 1800
  --json[=FILE]        also print the results as JSON (to stdout, or to FILE)

  REDIS_URL (default redis://127.0.0.1:6379), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres):
  only 127.0.0.1 / localhost / ::1 are accepted.`;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    backends: ['redis', 'postgres'],
    pending: 100_000,
    pgPending: NaN,
    batch: 300,
    spreadMs: 2000,
    inflight: 64,
    concurrency: 8,
    e2e: true,
    e2eSeconds: 3,
    scheduleBudgetS: 300,
    timeoutS: 1800,
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
      case '--pending':
        options.pending = int(flag, value(), 1);
        break;
      case '--pg-pending':
        options.pgPending = int(flag, value(), 1);
        break;
      case '--batch':
        options.batch = int(flag, value(), 1);
        break;
      case '--spread':
        options.spreadMs = int(flag, value(), 0);
        break;
      case '--inflight':
        options.inflight = int(flag, value(), 1);
        break;
      case '--concurrency':
        options.concurrency = int(flag, value(), 1);
        break;
      case '--no-e2e':
        options.e2e = false;
        break;
      case '--e2e-seconds':
        options.e2eSeconds = int(flag, value(), 1);
        break;
      case '--schedule-budget':
        options.scheduleBudgetS = int(flag, value(), 1);
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
  if (Number.isNaN(options.pgPending)) options.pgPending = Math.min(options.pending, 20_000);
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

interface Lateness {
  expected: number;
  fired: number;
  duplicates: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  min: number | null;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(samples: number[], expected: number, duplicates = 0): Lateness {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    expected,
    fired: sorted.length,
    duplicates,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : null,
    min: sorted.length ? sorted[0]! : null,
  };
}

interface Scheduled {
  requested: number;
  scheduled: number;
  ms: number;
  rate: number;
  /** Rate over the first and the last tenth of the jobs: does adding slow down as the store fills? */
  rateFirstTenth: number | null;
  rateLastTenth: number | null;
  cappedByBudget: boolean;
}

/** Runs `add(i)` for i in [0, count) with `inflight` calls in flight; stops early once the budget is spent. */
async function schedule(
  label: string,
  count: number,
  inflight: number,
  budgetMs: number,
  add: (i: number) => Promise<unknown>,
): Promise<Scheduled> {
  let next = 0;
  let done = 0;
  let capped = false;
  const start = performance.now();
  let reported = start;
  const tenth = Math.floor(count / 10);
  let firstTenthAt: number | null = null;
  let lastTenthFrom: number | null = null;
  await Promise.all(
    Array.from({ length: Math.min(inflight, count) }, async () => {
      while (!capped && next < count) {
        const i = next++;
        await add(i);
        done++;
        const now = performance.now();
        if (tenth > 0 && done === tenth) firstTenthAt = now;
        if (tenth > 0 && done === count - tenth) lastTenthFrom = now;
        if (now - reported > 10_000) {
          reported = now;
          log(`  ${label}: ${done.toLocaleString('en')} / ${count.toLocaleString('en')} scheduled`);
        }
        if (now - start > budgetMs) capped = true;
      }
    }),
  );
  const ms = performance.now() - start;
  if (capped) log(`  ${label}: scheduling budget spent, stopped at ${done.toLocaleString('en')} jobs`);
  const end = start + ms;
  return {
    requested: count,
    scheduled: done,
    ms: Math.round(ms),
    rate: Math.round(done / (ms / 1000)),
    rateFirstTenth: firstTenthAt === null ? null : Math.round(tenth / ((firstTenthAt - start) / 1000)),
    rateLastTenth:
      lastTenthFrom === null || capped ? null : Math.round(tenth / ((end - lastTenthFrom) / 1000)),
    cappedByBudget: capped,
  };
}

/** Due times of the batch: spread evenly over `spreadMs`, starting `leadMs` from now. */
function dueTimes(batch: number, leadMs: number, spreadMs: number): number[] {
  const first = Date.now() + leadMs;
  return Array.from(
    { length: batch },
    (_, i) => first + Math.round(batch > 1 ? (i * spreadMs) / (batch - 1) : 0),
  );
}

/** Enough lead for the batch to be enqueued before its first due time, at the rate just measured. */
function leadFor(batch: number, rate: number): number {
  return Math.min(30_000, 2000 + Math.ceil((2 * batch * 1000) / Math.max(rate, 1)));
}

/** Records lateness per task id of the batch; ids outside the batch (the pending ones) are ignored. */
class Recorder {
  readonly due = new Map<string, number>();
  readonly samples: number[] = [];
  private readonly seen = new Set<string>();
  duplicates = 0;
  private resolveAll: (() => void) | undefined;
  private readonly all = new Promise<void>((resolve) => (this.resolveAll = resolve));

  record(taskId: string, firedAt: number): void {
    const due = this.due.get(taskId);
    if (due === undefined) return;
    if (this.seen.has(taskId)) {
      this.duplicates++;
      return;
    }
    this.seen.add(taskId);
    this.samples.push(firedAt - due);
    if (this.seen.size === this.due.size) this.resolveAll?.();
  }

  /** Resolves once every batch job fired, or at `deadline` (epoch ms), whichever is first. */
  async wait(deadline: number): Promise<void> {
    await Promise.race([this.all, sleep(Math.max(0, deadline - Date.now()))]);
  }
}

function taskData(id: string, attempt = 1): TaskJobData {
  return { taskId: id, applicationId: randomUUID(), step: 'bench', attempt };
}

const HOUR = 3600_000;

// ---------------------------------------------------------------------------------------------------------------
// Resources of this run, all cleaned up at the end (also on a time-out or Ctrl-C)

const RUN = `bench_${randomBytes(5).toString('hex')}`;
const databases: string[] = [];
let cleaning: Promise<void> | undefined;

async function adminQuery(adminUrl: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
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
  // BullMQ's pool may still be ending its last connection just after close(): let it go before forcing.
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
  databases.splice(databases.indexOf(name), 1);
}

/** Deletes every key of this run's prefix (SCAN + UNLINK; never FLUSHALL: the Redis may be shared). */
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

async function cleanup(options: Options): Promise<void> {
  cleaning ??= (async () => {
    if (options.backends.includes('redis')) {
      const deleted = await deleteRedisKeys(options.redisUrl, RUN).catch((error: Error) => {
        log(`cleanup: Redis keys of ${RUN} not deleted: ${error.message}`);
        return 0;
      });
      log(`cleanup: ${deleted.toLocaleString('en')} Redis keys with prefix ${RUN}: left, deleted`);
    }
    for (const name of [...databases]) {
      await dropDatabase(options.databaseUrl, name).then(
        () => log(`cleanup: dropped database ${name}`),
        (error: Error) => log(`cleanup: database ${name} not dropped: ${error.message}`),
      );
    }
  })();
  return cleaning;
}

// ---------------------------------------------------------------------------------------------------------------
// The phases

interface PhaseResult {
  scheduling: Scheduled;
  lateness: Lateness;
  leadMs: number;
}

interface BackendResult {
  backend: Backend;
  pendingRequested: number;
  batch: number;
  spreadMs: number;
  workerConcurrency: number;
  baseline: PhaseResult;
  baselineAddBulk: Scheduled;
  ours: PhaseResult;
  storeBytesPerPendingJob: number | null;
  e2e: E2eResult | null;
  notes: string[];
}

interface E2eResult {
  timeLimitSeconds: number;
  submitted: number;
  submitMs: number;
  pendingInDeadlinesQueue: number;
  lateness: Lateness;
  decidedByTimeout: number;
}

function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

type AnyQueue = Queue<Record<string, unknown>>;
type AnyWorker = Worker<Record<string, unknown>>;

/** A bare BullMQ queue and worker on the backend: no ids, no options beyond the delay. */
function bareQueue(backend: Backend, name: string, options: Options, databaseUrl: string | null): AnyQueue {
  const queue =
    backend === 'redis'
      ? new Queue<Record<string, unknown>>(name, {
          connection: redisConnection(options.redisUrl),
          prefix: RUN,
        })
      : (new Queue(
          name,
          { connection: { connectionString: databaseUrl!, migrate: true } },
          createPostgresBackend,
        ) as unknown as AnyQueue);
  queue.on('error', (error) => log(`baseline queue ${name}: ${error.message}`));
  return queue;
}

function bareWorker(
  backend: Backend,
  name: string,
  options: Options,
  databaseUrl: string | null,
  processor: (job: Job<Record<string, unknown>>) => Promise<void>,
): AnyWorker {
  const worker =
    backend === 'redis'
      ? new Worker(name, processor, {
          connection: redisConnection(options.redisUrl),
          prefix: RUN,
          concurrency: options.concurrency,
        })
      : (new Worker(
          name,
          processor,
          { connection: { connectionString: databaseUrl!, migrate: true }, concurrency: options.concurrency },
          createPostgresBackend,
        ) as unknown as AnyWorker);
  worker.on('error', (error) => log(`baseline worker ${name}: ${error.message}`));
  return worker;
}

async function runBaseline(
  backend: Backend,
  options: Options,
  pending: number,
  databaseUrl: string | null,
): Promise<PhaseResult> {
  const queue = bareQueue(backend, 'baseline', options, databaseUrl);
  const recorder = new Recorder();
  const worker = bareWorker(backend, 'baseline', options, databaseUrl, (job) => {
    recorder.record((job.data as unknown as TaskJobData).taskId, Date.now());
    return Promise.resolve();
  });
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    log(`baseline: scheduling ${pending.toLocaleString('en')} pending jobs (queue.add, delay 1 h)`);
    const scheduling = await schedule(
      'baseline',
      pending,
      options.inflight,
      options.scheduleBudgetS * 1000,
      (i) => queue.add('deadline', { ...taskData(`pending-${i}`) }, { delay: HOUR }),
    );
    log(`baseline: ${scheduling.rate.toLocaleString('en')} jobs/s; firing a batch of ${options.batch}`);
    const leadMs = leadFor(options.batch, scheduling.rate);
    const due = dueTimes(options.batch, leadMs, options.spreadMs);
    await Promise.all(
      due.map(async (at, i) => {
        const id = `batch-${i}`;
        recorder.due.set(id, at);
        await queue.add('deadline', { ...taskData(id) }, { delay: Math.max(0, at - Date.now()) });
      }),
    );
    await recorder.wait(due[due.length - 1]! + 60_000);
    const lateness = summarize(recorder.samples, options.batch, recorder.duplicates);
    log(
      `baseline: fired ${lateness.fired}/${lateness.expected}, p50 ${lateness.p50} ms, p99 ${lateness.p99} ms`,
    );
    return { scheduling, lateness, leadMs };
  } finally {
    await worker.close();
    if (backend === 'redis') await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** Bare `addBulk` in chunks of 1,000, on a queue of its own, emptied afterwards: what batching the adds buys. */
async function runAddBulk(
  backend: Backend,
  options: Options,
  count: number,
  databaseUrl: string | null,
): Promise<Scheduled> {
  const queue = bareQueue(backend, 'bulk', options, databaseUrl);
  try {
    await queue.waitUntilReady();
    log(`baseline addBulk: ${count.toLocaleString('en')} jobs in chunks of 1,000`);
    const chunks = Math.ceil(count / 1000);
    const result = await schedule('addBulk', chunks, 4, options.scheduleBudgetS * 1000, (c) =>
      queue.addBulk(
        Array.from({ length: Math.min(1000, count - c * 1000) }, (_, i) => ({
          name: 'deadline',
          data: { ...taskData(`bulk-${c * 1000 + i}`) },
          opts: { delay: HOUR },
        })),
      ),
    );
    const jobs = Math.min(count, result.scheduled * 1000);
    return {
      ...result,
      requested: count,
      scheduled: jobs,
      rate: Math.round(jobs / (result.ms / 1000)),
      rateFirstTenth: null,
      rateLastTenth: null,
    };
  } finally {
    if (backend === 'redis') await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

function runtimeConfig(backend: Backend, options: Options, databaseUrl: string): RuntimeConfig {
  return {
    nodeEnv: 'test',
    production: false,
    databaseUrl,
    redisUrl: backend === 'redis' ? options.redisUrl : undefined,
    jwtSecret: JWT_SECRET,
    dataDir: join(os.tmpdir(), RUN),
    port: 0,
    host: '127.0.0.1',
    workflowsDir: join(os.tmpdir(), RUN, 'workflows'),
    calendarsDir: undefined,
    processRole: 'all',
    bodyLimitBytes: CONFIG_DEFAULTS.bodyLimitBytes,
    logLevel: 'error',
    factsAllowedHosts: [],
    sweepIntervalMs: CONFIG_DEFAULTS.sweepIntervalMs,
    queuePrefix: RUN,
  };
}

async function storeSize(backend: Backend, options: Options, databaseUrl: string): Promise<number> {
  if (backend === 'redis') {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      const info = await redis.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
    } finally {
      redis.disconnect();
    }
  }
  const { rows } = await adminQuery(
    databaseUrl,
    'SELECT pg_database_size(current_database())::bigint AS size',
  );
  return Number((rows[0] as { size: string }).size);
}

/** Our QueueService, as the app builds it: deterministic ids, our job options, `scheduleTask`, `work`. */
async function runOurs(
  backend: Backend,
  options: Options,
  pending: number,
  databaseUrl: string,
): Promise<PhaseResult & { bytesPerJob: number | null }> {
  const queues = new QueueService(runtimeConfig(backend, options, databaseUrl));
  const recorder = new Recorder();
  const worker = queues.work(
    'deadlines',
    (job) => {
      recorder.record((job.data as unknown as TaskJobData).taskId, Date.now());
      return Promise.resolve();
    },
    options.concurrency,
  );
  try {
    await queues.queue('deadlines').waitUntilReady();
    await worker.waitUntilReady();
    const before = await storeSize(backend, options, databaseUrl);
    log(
      `ours: scheduling ${pending.toLocaleString('en')} pending deadlines (QueueService.scheduleTask, due in 1 h)`,
    );
    const scheduling = await schedule('ours', pending, options.inflight, options.scheduleBudgetS * 1000, () =>
      queues.scheduleTask({
        id: randomUUID(),
        applicationId: randomUUID(),
        step: 'bench',
        attempt: 1,
        dueAt: new Date(Date.now() + HOUR),
        remindAt: null,
        reminded: false,
        rulePending: false,
      }),
    );
    const after = await storeSize(backend, options, databaseUrl);
    const bytesPerJob =
      Number.isFinite(before) && Number.isFinite(after)
        ? Math.round((after - before) / scheduling.scheduled)
        : null;
    log(`ours: ${scheduling.rate.toLocaleString('en')} jobs/s; firing a batch of ${options.batch}`);
    const leadMs = leadFor(options.batch, scheduling.rate);
    const due = dueTimes(options.batch, leadMs, options.spreadMs);
    await Promise.all(
      due.map(async (at) => {
        const id = randomUUID();
        recorder.due.set(id, at);
        await queues.scheduleTask({
          id,
          applicationId: randomUUID(),
          step: 'bench',
          attempt: 1,
          dueAt: new Date(at),
          remindAt: null,
          reminded: false,
          rulePending: false,
        });
      }),
    );
    await recorder.wait(due[due.length - 1]! + 60_000);
    const lateness = summarize(recorder.samples, options.batch, recorder.duplicates);
    log(`ours: fired ${lateness.fired}/${lateness.expected}, p50 ${lateness.p50} ms, p99 ${lateness.p99} ms`);
    return { scheduling, lateness, leadMs, bytesPerJob };
  } finally {
    // Closes our worker, queues and connections; the pending deadlines stay for the end-to-end run.
    await queues.onApplicationShutdown();
  }
}

/**
 * The real app (TestApp: createApp on a real port) on the database and queue the pending deadlines are in;
 * B applications whose one step times out into a deemed approval. Lateness = tasks.decided_at - tasks.due_at.
 */
async function runE2e(backend: Backend, options: Options, databaseUrl: string): Promise<E2eResult> {
  const t = await TestApp.start({
    databaseUrl,
    queuePrefix: RUN,
    config: {
      redisUrl: backend === 'redis' ? options.redisUrl : undefined,
      logLevel: 'error',
      dataDir: join(os.tmpdir(), RUN),
      factsAllowedHosts: [],
    },
  });
  try {
    const pendingInQueue =
      (await t.app.get(QueueService).queue('deadlines').getJobCounts('delayed')).delayed ?? 0;
    const key = 'bench-deemed';
    const registered = await t.request('POST', '/api/v1/workflows', {
      as: ADMIN,
      body: {
        key,
        name: 'Benchmark: one step, deemed approval',
        form: { type: 'object', properties: { note: { type: 'string' } } },
        steps: [
          {
            id: 'only',
            name: 'Only step',
            department: 'dept-bench',
            timeLimit: { seconds: options.e2eSeconds },
            onTimeout: 'approve',
          },
        ],
      },
    });
    if (registered.status !== 200 && registered.status !== 201) {
      throw new Error(
        `registering the workflow answered ${registered.status}: ${JSON.stringify(registered.body)}`,
      );
    }
    log(
      `e2e: submitting ${options.batch} applications over HTTP (timeLimit ${options.e2eSeconds} s, onTimeout approve)`,
    );
    const submitStart = performance.now();
    const ids: string[] = [];
    const caller = applicant('bench');
    await schedule('e2e', options.batch, 16, HOUR, async () => {
      const reply = await t.request<{ id: string }>('POST', '/api/v1/applications', {
        as: caller,
        body: { workflow: key, data: {} },
      });
      if (reply.status !== 201)
        throw new Error(`submitting answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      ids.push(reply.body.id);
    });
    const submitMs = Math.round(performance.now() - submitStart);
    const lastDue = Date.now() + options.e2eSeconds * 1000;
    // Past the default sweep interval too: what a lost job would cost shows up as lateness, not as a hang.
    const deadline = lastDue + CONFIG_DEFAULTS.sweepIntervalMs + 30_000;
    while (Date.now() < deadline) {
      const [row] = await t.query<{ open: number }>(
        'SELECT count(*)::int AS open FROM tasks WHERE application_id = ANY($1) AND decided_at IS NULL',
        [ids],
      );
      if (row!.open === 0) break;
      await sleep(250);
    }
    const rows = await t.query<{ late: number; decided_by: string | null }>(
      `SELECT (extract(epoch FROM decided_at - due_at) * 1000)::float8 AS late, decided_by
         FROM tasks WHERE application_id = ANY($1) AND decided_at IS NOT NULL`,
      [ids],
    );
    const lateness = summarize(
      rows.map((r) => Math.round(r.late)),
      ids.length,
    );
    log(
      `e2e: decided ${lateness.fired}/${lateness.expected}, p50 ${lateness.p50} ms, p99 ${lateness.p99} ms`,
    );
    return {
      timeLimitSeconds: options.e2eSeconds,
      submitted: ids.length,
      submitMs,
      pendingInDeadlinesQueue: pendingInQueue,
      lateness,
      decidedByTimeout: rows.filter((r) => r.decided_by === 'timeout').length,
    };
  } finally {
    await t.close();
  }
}

async function runBackend(backend: Backend, options: Options): Promise<BackendResult> {
  const pending = backend === 'redis' ? options.pending : options.pgPending;
  const notes: string[] = [];
  log(
    `== ${backend}: N = ${pending.toLocaleString('en')} pending, B = ${options.batch} due over ${options.spreadMs} ms`,
  );
  let baselineDb: string | null = null;
  if (backend === 'postgres') baselineDb = await createDatabase(options.databaseUrl, 'baseline');
  const baseline = await runBaseline(backend, options, pending, baselineDb);
  const baselineAddBulk = await runAddBulk(backend, options, Math.min(pending, 20_000), baselineDb);
  if (baselineDb) await dropDatabase(options.databaseUrl, new URL(baselineDb).pathname.slice(1));

  // Ours gets the N the baseline actually scheduled, so a budget cut keeps the comparison fair.
  const oursPending = baseline.scheduling.scheduled;
  if (baseline.scheduling.cappedByBudget)
    notes.push(`baseline hit the scheduling budget: N cut to ${oursPending}`);
  // One database for ours and the app: on PostgreSQL the deadlines queue lives in its schema `bullmq`.
  const appDb = await createDatabase(options.databaseUrl, backend === 'redis' ? 'app_redis' : 'app_pg');
  const ours = await runOurs(backend, options, oursPending, appDb);
  if (ours.scheduling.cappedByBudget)
    notes.push(`ours hit the scheduling budget at ${ours.scheduling.scheduled}`);
  let e2e: E2eResult | null = null;
  if (options.e2e) {
    try {
      e2e = await runE2e(backend, options, appDb);
    } catch (error) {
      notes.push(`end-to-end run failed: ${(error as Error).message}`);
      log(`e2e failed: ${(error as Error).stack}`);
    }
  }
  if (backend === 'redis') {
    const deleted = await deleteRedisKeys(options.redisUrl, RUN);
    log(`redis: deleted ${deleted.toLocaleString('en')} keys with prefix ${RUN}:`);
  }
  await dropDatabase(options.databaseUrl, new URL(appDb).pathname.slice(1));
  return {
    backend,
    pendingRequested: pending,
    batch: options.batch,
    spreadMs: options.spreadMs,
    workerConcurrency: options.concurrency,
    baseline,
    baselineAddBulk,
    ours,
    storeBytesPerPendingJob: ours.bytesPerJob,
    e2e,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

async function machine(options: Options) {
  const cpus = os.cpus();
  const facts: Record<string, unknown> = {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    platform: `${os.platform()} ${os.release()}`,
    bullmq: (
      JSON.parse(
        readFileSync(join(import.meta.dirname, '..', 'node_modules', 'bullmq', 'package.json'), 'utf8'),
      ) as {
        version: string;
      }
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
  if (options.backends.includes('postgres') || options.e2e) {
    const { rows } = await adminQuery(options.databaseUrl, 'SHOW server_version');
    facts.postgres = (rows[0] as { server_version: string }).server_version;
  }
  return facts;
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toLocaleString('en'));
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? '-' : (a / b).toFixed(2);

function table(result: BackendResult): string {
  const { baseline, ours, e2e } = result;
  const n = ours.scheduling.scheduled;
  const nBase = baseline.scheduling.scheduled;
  const nText = n === nBase ? fmt(n) : `${fmt(nBase)} (baseline) / ${fmt(n)} (ours)`;
  const rows: [string, string, string, string][] = [
    ['', 'baseline (bare)', 'ours (QueueService)', 'ours/baseline'],
    [
      'scheduling rate (jobs/s)',
      fmt(baseline.scheduling.rate),
      fmt(ours.scheduling.rate),
      ratio(ours.scheduling.rate, baseline.scheduling.rate),
    ],
    [
      'lateness p50 (ms)',
      fmt(baseline.lateness.p50),
      fmt(ours.lateness.p50),
      ratio(ours.lateness.p50, baseline.lateness.p50),
    ],
    [
      'lateness p99 (ms)',
      fmt(baseline.lateness.p99),
      fmt(ours.lateness.p99),
      ratio(ours.lateness.p99, baseline.lateness.p99),
    ],
    [
      'lateness max (ms)',
      fmt(baseline.lateness.max),
      fmt(ours.lateness.max),
      ratio(ours.lateness.max, baseline.lateness.max),
    ],
    [
      'fired / due (dupes)',
      `${baseline.lateness.fired}/${baseline.lateness.expected} (${baseline.lateness.duplicates})`,
      `${ours.lateness.fired}/${ours.lateness.expected} (${ours.lateness.duplicates})`,
      '',
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ');
  const out = [
    `${result.backend === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ postgres backend)'}: N = ${nText} pending (delay 1 h)` +
      `${n !== result.pendingRequested || nBase !== result.pendingRequested ? ` [asked ${fmt(result.pendingRequested)}]` : ''}, ` +
      `B = ${result.batch} due over ${result.spreadMs} ms, worker concurrency ${result.workerConcurrency}`,
    ...rows.map(line),
    `  scheduling: ${fmt(baseline.scheduling.scheduled)} in ${fmt(baseline.scheduling.ms)} ms (baseline), ` +
      `${fmt(ours.scheduling.scheduled)} in ${fmt(ours.scheduling.ms)} ms (ours); bare addBulk x1000: ` +
      `${fmt(result.baselineAddBulk.rate)} jobs/s over ${fmt(result.baselineAddBulk.scheduled)} jobs`,
    `  rate over the first / last tenth of N: ${fmt(baseline.scheduling.rateFirstTenth)} / ` +
      `${fmt(baseline.scheduling.rateLastTenth)} jobs/s (baseline), ${fmt(ours.scheduling.rateFirstTenth)} / ` +
      `${fmt(ours.scheduling.rateLastTenth)} jobs/s (ours)`,
    `  store growth per pending deadline (ours): ${
      result.storeBytesPerPendingJob === null ? '-' : `~${fmt(result.storeBytesPerPendingJob)} bytes`
    } (${result.backend === 'redis' ? 'Redis used_memory' : 'pg_database_size'})`,
  ];
  if (e2e) {
    out.push(
      `  end-to-end deemed approval (real app, HTTP, timeLimit ${e2e.timeLimitSeconds} s, tasks.decided_at - due_at, ` +
        `${fmt(e2e.pendingInDeadlinesQueue)} other deadlines pending in the queue):`,
      `    p50 ${fmt(e2e.lateness.p50)} ms   p99 ${fmt(e2e.lateness.p99)} ms   max ${fmt(e2e.lateness.max)} ms   ` +
        `decided ${e2e.lateness.fired}/${e2e.lateness.expected} (by timeout: ${e2e.decidedByTimeout}); ` +
        `${e2e.submitted} submitted in ${fmt(e2e.submitMs)} ms`,
    );
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
  const watchdog = setTimeout(() => {
    log(`time-out after ${options.timeoutS} s: cleaning up and stopping`);
    void Promise.race([cleanup(options), sleep(30_000)]).finally(() => process.exit(2));
  }, options.timeoutS * 1000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
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

  facts.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  const busy = Math.max(...(facts.loadAverageAtStart as number[]), ...(facts.loadAverageAtEnd as number[]));
  const report = [
    `Deadline benchmark (${new Date().toISOString()}): ${facts.cores as number} cores (${facts.cpu as string}), ` +
      `${facts.memoryGiB as number} GiB, Node ${facts.node as string}, BullMQ ${facts.bullmq as string}` +
      `${facts.redis ? `, Redis ${facts.redis as string}` : ''}${facts.postgres ? `, PostgreSQL ${facts.postgres as string}` : ''}`,
    `load average (1/5/15 min) at start ${(facts.loadAverageAtStart as number[]).join(' / ')}, at end ` +
      `${(facts.loadAverageAtEnd as number[]).join(' / ')}` +
      (busy > (facts.cores as number) ? '  << the machine was busy: the figures are inflated' : ''),
    'lateness = time the processor ran (end-to-end: tasks.decided_at) minus the due time',
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
