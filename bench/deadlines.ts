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
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONFIG_DEFAULTS } from '../src/config/app-config.js';
import type { TaskJobData } from '../src/engine/plan.types.js';
import { deadlineJobId } from '../src/engine/plan.util.js';
import { QueueService } from '../src/queue/queue.service.js';
import { ADMIN, applicant, JWT_SECRET, TestApp } from '../test/support/test-app.js';
import {
  adminQuery,
  alignColumns,
  benchRuntimeConfig,
  bullmqVersion,
  commonDefaults,
  deleteRedisKeys,
  finish,
  hardStop,
  helpText,
  hostFacts,
  inLanes,
  loadAverage,
  log,
  parseOptions,
  percentile,
  platform,
  RunDatabases,
  runBackends,
  runName,
  serverVersions,
  sleep,
} from './bench.util.js';
import type { Backend, CommonOptions } from './bench.util.js';

interface Options extends CommonOptions {
  pending: number;
  pgPending: number;
  batch: number;
  spreadMs: number;
  inflight: number;
  concurrency: number;
  e2e: boolean;
  e2eSeconds: number;
  scheduleBudgetS: number;
}

const DEFAULT_TIMEOUT_S = 1800;
const HELP = helpText(
  'bench/deadlines: scheduling rate and firing lateness of deadline jobs, ours vs bare BullMQ',
  `  --pending N          pending deadlines (delay 1 h) on Redis, default 100000
  --pg-pending N       pending deadlines on PostgreSQL, default min(--pending, 20000)
  --batch B            jobs that fall due during the run, default 300
  --spread MS          the batch's due times are spread evenly over MS, default 2000
  --inflight K         adds in flight while scheduling, default 64
  --concurrency C      baseline worker concurrency, default 8 (QueueService.work's default)
  --no-e2e             skip the end-to-end run (real app over HTTP, deemed approvals)
  --e2e-seconds S      the end-to-end step's timeLimit, default 3
  --schedule-budget S  stop scheduling pending jobs after S seconds per phase, default 300 (the N used is printed)`,
  DEFAULT_TIMEOUT_S,
);

function parseArgs(argv: string[]): Options {
  const options: Options = {
    ...commonDefaults(DEFAULT_TIMEOUT_S),
    pending: 100_000,
    pgPending: NaN,
    batch: 300,
    spreadMs: 2000,
    inflight: 64,
    concurrency: 8,
    e2e: true,
    e2eSeconds: 3,
    scheduleBudgetS: 300,
  };
  parseOptions(argv, HELP, options, (flag, int) => {
    switch (flag) {
      case '--pending':
        options.pending = int(1);
        return true;
      case '--pg-pending':
        options.pgPending = int(1);
        return true;
      case '--batch':
        options.batch = int(1);
        return true;
      case '--spread':
        options.spreadMs = int(0);
        return true;
      case '--inflight':
        options.inflight = int(1);
        return true;
      case '--concurrency':
        options.concurrency = int(1);
        return true;
      case '--no-e2e':
        options.e2e = false;
        return true;
      case '--e2e-seconds':
        options.e2eSeconds = int(1);
        return true;
      case '--schedule-budget':
        options.scheduleBudgetS = int(1);
        return true;
      default:
        return false;
    }
  });
  if (Number.isNaN(options.pgPending)) options.pgPending = Math.min(options.pending, 20_000);
  return options;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

interface Lateness {
  expected: number;
  fired: number;
  duplicates: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  min: number | null;
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
  let done = 0;
  let capped = false;
  const start = performance.now();
  let reported = start;
  const tenth = Math.floor(count / 10);
  let firstTenthAt: number | null = null;
  let lastTenthFrom: number | null = null;
  await inLanes(
    count,
    inflight,
    async (i) => {
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
    },
    () => capped,
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

const RUN = runName('bench');
const databases = new RunDatabases(RUN);
let cleaning: Promise<void> | undefined;

async function cleanup(options: Options): Promise<void> {
  cleaning ??= (async () => {
    if (options.backends.includes('redis')) {
      const deleted = await deleteRedisKeys(options.redisUrl, RUN).catch((error: Error) => {
        log(`cleanup: Redis keys of ${RUN} not deleted: ${error.message}`);
        return 0;
      });
      log(`cleanup: ${deleted.toLocaleString('en')} Redis keys with prefix ${RUN}: left, deleted`);
    }
    for (const name of [...databases.names]) {
      await databases.drop(options.databaseUrl, name).then(
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

/** A deadline job as the event path enqueues it: deterministic id, task data, due at `at`. */
function scheduleDeadline(queues: QueueService, id: string, at: number): Promise<void> {
  const task = { taskId: id, applicationId: randomUUID(), step: 'bench', attempt: 1 };
  return queues.add('deadlines', deadlineJobId({ id, attempt: 1 }), { ...task }, at - Date.now());
}

/** Our QueueService, as the app builds it: deterministic ids, our job options, `add`, `work`. */
async function runOurs(
  backend: Backend,
  options: Options,
  pending: number,
  databaseUrl: string,
): Promise<PhaseResult & { bytesPerJob: number | null }> {
  const queues = new QueueService(
    benchRuntimeConfig(backend, options, databaseUrl, { run: RUN, jwtSecret: JWT_SECRET, queuePrefix: RUN }),
  );
  const recorder = new Recorder();
  queues.work(
    'deadlines',
    (job) => {
      recorder.record((job.data as unknown as TaskJobData).taskId, Date.now());
      return Promise.resolve();
    },
    options.concurrency,
  );
  try {
    await queues.queue('deadlines').waitUntilReady();
    await queues.workersStarted();
    const before = await storeSize(backend, options, databaseUrl);
    log(`ours: scheduling ${pending.toLocaleString('en')} pending deadlines (QueueService.add, due in 1 h)`);
    const scheduling = await schedule('ours', pending, options.inflight, options.scheduleBudgetS * 1000, () =>
      scheduleDeadline(queues, randomUUID(), Date.now() + HOUR),
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
        await scheduleDeadline(queues, id, at);
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
  if (backend === 'postgres') baselineDb = await databases.create(options.databaseUrl, 'baseline');
  const baseline = await runBaseline(backend, options, pending, baselineDb);
  const baselineAddBulk = await runAddBulk(backend, options, Math.min(pending, 20_000), baselineDb);
  if (baselineDb) await databases.drop(options.databaseUrl, new URL(baselineDb).pathname.slice(1));

  // Ours gets the N the baseline actually scheduled, so a budget cut keeps the comparison fair.
  const oursPending = baseline.scheduling.scheduled;
  if (baseline.scheduling.cappedByBudget)
    notes.push(`baseline hit the scheduling budget: N cut to ${oursPending}`);
  // One database for ours and the app: on PostgreSQL the deadlines queue lives in its schema `bullmq`.
  const appDb = await databases.create(options.databaseUrl, backend === 'redis' ? 'app_redis' : 'app_pg');
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
  await databases.drop(options.databaseUrl, new URL(appDb).pathname.slice(1));
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

async function machine(options: Options): Promise<Record<string, unknown>> {
  const facts: Record<string, unknown> = {
    ...hostFacts(),
    node: process.version,
    loadAverageAtStart: loadAverage(),
    platform: platform(),
    bullmq: bullmqVersion(),
  };
  return Object.assign(
    facts,
    await serverVersions(options, options.backends.includes('postgres') || options.e2e),
  );
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
    ...(['p50', 'p99', 'max'] as const).map((p): [string, string, string, string] => [
      `lateness ${p} (ms)`,
      fmt(baseline.lateness[p]),
      fmt(ours.lateness[p]),
      ratio(ours.lateness[p], baseline.lateness[p]),
    ]),
    [
      'fired / due (dupes)',
      `${baseline.lateness.fired}/${baseline.lateness.expected} (${baseline.lateness.duplicates})`,
      `${ours.lateness.fired}/${ours.lateness.expected} (${ours.lateness.duplicates})`,
      '',
    ],
  ];
  const out = [
    `${result.backend === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ postgres backend)'}: N = ${nText} pending (delay 1 h)` +
      `${n !== result.pendingRequested || nBase !== result.pendingRequested ? ` [asked ${fmt(result.pendingRequested)}]` : ''}, ` +
      `B = ${result.batch} due over ${result.spreadMs} ms, worker concurrency ${result.workerConcurrency}`,
    ...alignColumns(rows, '   '),
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
  const options = parseArgs(process.argv.slice(2));
  const cleanupRun = () => cleanup(options);
  const stop = hardStop(options.timeoutS, cleanupRun, { keepListening: false });

  const facts = await machine(options);
  log(`run ${RUN}; ${JSON.stringify(facts)}`);
  const { results, failed } = await runBackends(
    options.backends,
    (backend) => runBackend(backend, options),
    cleanupRun,
    stop,
  );

  facts.loadAverageAtEnd = loadAverage();
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
  finish(report, options.json, RUN, facts, results, failed);
}

await main();
