import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common';
import { createPostgresBackend, Queue, Worker } from 'bullmq';
import type { IQueueBackend, Processor } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';

const HEALTH_TIMEOUT_MS = 2000;
/** The queue probed when none is open yet; it holds no jobs. */
const HEALTH_QUEUE = 'health';
const ADMIN_SHUTDOWN = '57P01';
/** How long a worker on PostgreSQL whose start failed (the database was away) waits before it is built again. */
const WORKER_RESTART_DELAY_MS = 1000;

export type JobData = Record<string, unknown>;

/** A job to add: its id is deterministic, so adding it twice keeps the first (BullMQ ids may not contain `:`). */
export interface NewJob {
  id: string;
  data: JobData;
  /** Not before this time; now or earlier runs at once. */
  runAt?: Date;
  /**
   * Removed once its retries are spent instead of kept a day as failed. A job kept failed holds its id, and the queue
   * ignores a new job of that id: right for an id that names a one-off act, wrong where a sweep derives the id from
   * state that a failure left unchanged and must be able to queue it again.
   */
  forgetFailure?: true;
}

/**
 * A batch this small is added job by job: on PostgreSQL BullMQ's `addBulk` builds and drops two temporary tables per
 * call, about 3.5 ms of PostgreSQL's CPU (and 14 KB of dead catalog rows) however few its jobs, where `add` is one
 * function call of about 0.35 ms a job; on Redis a lone job costs `addBulk`'s MULTI about 0.06 ms more of our CPU,
 * and two to four jobs cost no more with `add`. Four is the largest batch measured to be no dearer job by job on both
 * backends (on PostgreSQL alone it would be about eight); larger batches stay one `addBulk`.
 */
const ONE_BY_ONE_UP_TO = 4;

const JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;

/**
 * The pg client of BullMQ's PostgreSQL pools, never without an 'error' listener. At start BullMQ checks a client out
 * of its pool for the schema check (`PostgresConnection.bootstrap` in
 * node_modules/bullmq/dist/esm/postgres/postgres-connection.js) and listens for no 'error' on it, while pg-pool takes
 * its own listener off a client it hands out: a connection killed then (pg_terminate_backend, a database restart)
 * emitted an 'error' nobody heard, and the process failed. Nothing is lost by hearing it here: the query in flight
 * fails with the same error, and BullMQ reports that to the queue's or worker's 'error' listener.
 */
class ListenedPgClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

// One type for queues and workers of either backend; the methods we call are the same on both.
type AnyQueue = Queue<JobData, unknown, string, JobData, unknown, string, IQueueBackend, unknown>;
type AnyWorker = Worker<JobData, unknown, string, IQueueBackend>;

/**
 * BullMQ on either backend: Redis when REDIS_URL is set, else BullMQ's PostgreSQL backend on our own database
 * (its tables live in schema `bullmq`). @nestjs/bullmq cannot pass BullMQ 6's backend factory, so the queues are
 * built here. Queues only wake things up; PostgreSQL stays the truth.
 */
@Injectable()
export class QueueService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(QueueService.name);
  private readonly queues = new Map<string, AnyQueue>();
  private readonly workers: AnyWorker[] = [];
  private readonly redis: Redis | null;
  private readonly connections: Redis[] = [];
  private readonly restarts = new Set<NodeJS.Timeout>();
  /** One per `work()` call: settles once that worker runs. */
  private readonly started: Promise<void>[] = [];
  private closing = false;

  constructor(@Inject(APP_CONFIG) private readonly config: RuntimeConfig) {
    this.redis = config.redisUrl
      ? // Producers fail fast while Redis is away (the sweep re-enqueues); only workers wait it out.
        this.own(new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }))
      : null;
  }

  get backend(): 'redis' | 'postgres' {
    return this.redis ? 'redis' : 'postgres';
  }

  queue(name: string): AnyQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = (this.redis
        ? new Queue<JobData>(name, { connection: this.redis, prefix: this.config.queuePrefix })
        : new Queue(
            name,
            { connection: this.postgresConnection() },
            createPostgresBackend,
          )) as unknown as AnyQueue;
      queue.on('error', (error) => this.onError(`queue ${name}`, error));
      this.queues.set(name, queue);
      if (!this.redis) this.forgetIfNotStarted(name, queue);
    }
    return queue;
  }

  /** Adds one job; an id already present keeps the job there. */
  async add(name: string, jobId: string, data: JobData, delayMs = 0): Promise<void> {
    await this.addBulk(name, [{ id: jobId, data, runAt: new Date(Date.now() + delayMs) }]);
  }

  /**
   * Adds jobs with one `addBulk`, or a few `add`s (ONE_BY_ONE_UP_TO). Not atomically: a call that fails may have added
   * some of its jobs, so a caller retries with the same ids, which keep the jobs already there.
   */
  async addBulk(name: string, jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    const queue = this.queue(name);
    const entries = jobs.map((job) => ({
      name,
      data: job.data,
      opts: {
        ...JOB_OPTIONS,
        ...(job.forgetFailure ? { removeOnFail: true } : {}),
        jobId: job.id,
        delay: Math.max(0, (job.runAt?.getTime() ?? now) - now),
      },
    }));
    if (entries.length <= ONE_BY_ONE_UP_TO) {
      await Promise.all(entries.map((entry) => queue.add(entry.name, entry.data, entry.opts)));
      return;
    }
    await queue.addBulk(entries);
  }

  /** Starts a worker on queue `name`; `workersStarted()` tells when it runs. */
  work(name: string, processor: Processor<JobData>, concurrency = 8): void {
    if (!this.redis) {
      this.started.push(
        new Promise((resolve) => this.workOnPostgres({ name, processor, concurrency }, resolve)),
      );
      return;
    }
    const worker = new Worker<JobData>(name, processor, {
      connection: this.own(this.redis.duplicate({ maxRetriesPerRequest: null })),
      prefix: this.config.queuePrefix,
      concurrency,
    }) as unknown as AnyWorker;
    this.watch(name, worker);
    const ready = worker.waitUntilReady();
    ready.catch(() => undefined); // told by workersStarted(), and by the 'error' event meanwhile
    this.started.push(ready);
  }

  /** Resolves once every worker started so far runs. */
  async workersStarted(): Promise<void> {
    await Promise.all(this.started);
  }

  /** True when the queue store answers within the health time-out. */
  async healthy(): Promise<boolean> {
    // Any open queue answers for the store; on PostgreSQL each queue has a pool of its own, so none is added.
    const queue = this.queues.values().next().value ?? this.queue(HEALTH_QUEUE);
    const probe = queue.getJobCounts('delayed');
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('queue health check timed out')), HEALTH_TIMEOUT_MS).unref(),
    );
    try {
      await Promise.race([probe, timeout]);
      return true;
    } catch (error) {
      this.logger.warn(`queue unhealthy: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Workers stop taking jobs and finish the ones they hold while the database and the queues are still open (Nest
   * closes the data source in its shutdown hooks, after this one).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.closeWorkers();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeWorkers(); // already closed, unless only this hook ran
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    // BullMQ leaves connections it was handed open; these are ours to close.
    for (const connection of this.connections) connection.disconnect();
  }

  /** No worker is built again from here on (see workOnPostgres), and every one there is stops. */
  private async closeWorkers(): Promise<void> {
    this.closing = true;
    for (const timer of this.restarts) clearTimeout(timer);
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }

  /**
   * PostgreSQL ends every connection with 57P01 when it shuts down (also when Ctrl-C reaches the embedded server
   * with the rest of the terminal's process group): expected on the way out, and retried by BullMQ otherwise. Once
   * the workers are closing, a connection they lose on the way ("Connection terminated unexpectedly", no code) is
   * expected too: the jobs they held have finished or are left to the stall check.
   */
  private onError(source: string, error: Error): void {
    if (this.closing || (error as { code?: string }).code === ADMIN_SHUTDOWN)
      this.logger.debug(`${source}: ${error.message}`);
    else this.logger.error(`${source}: ${error.message}`);
  }

  /**
   * BullMQ's PostgreSQL backend remembers a failed start for good (`waitUntilReady` of `PostgresConnection` and of
   * `PostgresQueueBackend` in node_modules/bullmq/dist/esm/postgres/): every later call of that worker fails at once,
   * and its fetch loop spins without pause. So a worker here runs only once started, and one whose start failed is
   * closed and built again a moment later, until the database takes connections.
   */
  private workOnPostgres(
    spec: { name: string; processor: Processor<JobData>; concurrency: number },
    running: () => void,
  ): void {
    if (this.closing) return;
    const { name, processor, concurrency } = spec;
    const worker = new Worker(
      name,
      processor,
      { connection: this.postgresConnection(), concurrency, autorun: false },
      createPostgresBackend,
    ) as unknown as AnyWorker;
    this.watch(name, worker);
    worker.waitUntilReady().then(
      () => {
        if (this.closing) return;
        worker.run().catch((error: Error) => this.onError(`worker ${name}`, error));
        running();
      },
      async (error: Error) => {
        const at = this.workers.indexOf(worker);
        if (at >= 0) this.workers.splice(at, 1);
        await worker.close().catch(() => undefined);
        if (this.closing) return;
        this.logger.warn(`worker ${name} could not start (${error.message}); trying again`);
        const timer = setTimeout(() => {
          this.restarts.delete(timer);
          this.workOnPostgres(spec, running);
        }, WORKER_RESTART_DELAY_MS);
        this.restarts.add(timer);
      },
    );
  }

  /** A queue on PostgreSQL whose start failed is dropped (see workOnPostgres): the next call builds a new one. */
  private forgetIfNotStarted(name: string, queue: AnyQueue): void {
    queue.waitUntilReady().catch(() => {
      if (this.queues.get(name) === queue) this.queues.delete(name);
      void queue.close().catch(() => undefined);
    });
  }

  private watch(name: string, worker: AnyWorker): void {
    worker.on('error', (error) => this.onError(`worker ${name}`, error));
    worker.on('failed', (job, error) =>
      this.logger.warn(`job ${job?.id ?? '?'} on ${name} failed: ${error.message}`),
    );
    this.workers.push(worker);
  }

  private own(connection: Redis): Redis {
    this.connections.push(connection);
    return connection;
  }

  private postgresConnection() {
    return { connectionString: this.config.databaseUrl, migrate: true, max: 5, Client: ListenedPgClient };
  }
}
