import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common';
import { createPostgresBackend, Queue, Worker } from 'bullmq';
import type { IQueueBackend, Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';

const HEALTH_TIMEOUT_MS = 2000;
/** The queue probed when none is open yet; it holds no jobs. */
const HEALTH_QUEUE = 'health';
const ADMIN_SHUTDOWN = '57P01';

export type JobData = Record<string, unknown>;

/** A job to add: its id is deterministic, so adding it twice keeps the first (BullMQ ids may not contain `:`). */
export interface NewJob {
  id: string;
  data: JobData;
  /** Not before this time; now or earlier runs at once. */
  runAt?: Date;
}

const JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;

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
    }
    return queue;
  }

  /** Adds one job; an id already present keeps the job there. */
  async add(name: string, jobId: string, data: JobData, delayMs = 0): Promise<void> {
    await this.addBulk(name, [{ id: jobId, data, runAt: new Date(Date.now() + delayMs) }]);
  }

  /** Adds jobs in one round trip: on PostgreSQL one at a time is the limit (about 650 jobs/s). */
  async addBulk(name: string, jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    await this.queue(name).addBulk(
      jobs.map((job) => ({
        name,
        data: job.data,
        opts: { ...JOB_OPTIONS, jobId: job.id, delay: Math.max(0, (job.runAt?.getTime() ?? now) - now) },
      })),
    );
  }

  work(name: string, processor: Processor<JobData>, concurrency = 8): AnyWorker {
    const worker = (this.redis
      ? new Worker<JobData>(name, processor, {
          connection: this.own(this.redis.duplicate({ maxRetriesPerRequest: null })),
          prefix: this.config.queuePrefix,
          concurrency,
        })
      : new Worker(
          name,
          processor,
          { connection: this.postgresConnection(), concurrency },
          createPostgresBackend,
        )) as unknown as AnyWorker;
    worker.on('error', (error) => this.onError(`worker ${name}`, error));
    worker.on('failed', (job, error) =>
      this.logger.warn(`job ${job?.id ?? '?'} on ${name} failed: ${error.message}`),
    );
    this.workers.push(worker);
    return worker;
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
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close())); // already closed, unless only this hook ran
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    // BullMQ leaves connections it was handed open; these are ours to close.
    for (const connection of this.connections) connection.disconnect();
  }

  /**
   * PostgreSQL ends every connection with 57P01 when it shuts down (also when Ctrl-C reaches the embedded server
   * with the rest of the terminal's process group): expected on the way out, and retried by BullMQ otherwise.
   */
  private onError(source: string, error: Error): void {
    if ((error as { code?: string }).code === ADMIN_SHUTDOWN)
      this.logger.debug(`${source}: ${error.message}`);
    else this.logger.error(`${source}: ${error.message}`);
  }

  private own(connection: Redis): Redis {
    this.connections.push(connection);
    return connection;
  }

  private postgresConnection() {
    return { connectionString: this.config.databaseUrl, migrate: true, max: 5 };
  }
}
