import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { MIGRATION_ADVISORY_LOCK_KEY, UnrecoverableError } from 'bullmq';
import pg from 'pg';
import { eventually } from '../../test/support/eventually.js';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import { withClient } from '../config/pg-client.util.js';
import { QueueService } from './queue.service.js';

/**
 * The queues on BullMQ's PostgreSQL backend (whatever REDIS_URL says) when the database's connections are killed
 * while queues and workers are still starting: each BullMQ queue or worker then holds a pooled client for its schema
 * check, and remembers a failed start for good. The process must live through it and the queues must work again
 * once the database takes connections.
 */
describe('queues on PostgreSQL when the database connections are killed', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let queues: QueueService;
  let locker: pg.Client;

  const admin = (sql: string) =>
    withClient(process.env.TEST_DATABASE_URL!, (client) =>
      client.query(sql.replaceAll('$db', database.name)),
    );

  /** Holds BullMQ's migration lock, so every queue and worker that starts waits with a pooled client in hand. */
  const holdMigrationLock = async () => {
    locker = new pg.Client({ connectionString: database.url });
    locker.on('error', () => undefined); // it is killed with the rest
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT pg_advisory_xact_lock($1, hashtext('bullmq'))`, [MIGRATION_ADVISORY_LOCK_KEY]);
  };

  const waitingOnTheLock = () =>
    admin(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '$db' AND wait_event_type = 'Lock'`,
    ).then((r) => r.rows[0].n as number);

  const killConnections = async () => {
    await admin(`ALTER DATABASE $db ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'`);
  };

  beforeEach(async () => {
    database = await createDatabase();
    queues = new QueueService({ ...testConfig({ databaseUrl: database.url }), redisUrl: undefined });
  });

  afterEach(async () => {
    await admin(`ALTER DATABASE $db ALLOW_CONNECTIONS true`).catch(() => undefined);
    await queues.beforeApplicationShutdown();
    await queues.onApplicationShutdown();
    await locker?.end().catch(() => undefined);
    await database.drop();
  });

  it('keeps the process up when a starting worker loses its connection, and the worker takes jobs once the database is back', async () => {
    await holdMigrationLock();
    const seen: string[] = [];
    queues.work('outage', (job) => {
      seen.push(job.id!);
      return Promise.resolve();
    });
    await eventually(waitingOnTheLock, (n) => n > 0);

    await killConnections();
    expect(await queues.healthy()).toBe(false);
    await admin(`ALTER DATABASE $db ALLOW_CONNECTIONS true`);

    await eventually(
      () =>
        queues.add('outage', 'after-the-outage', {}).then(
          () => true,
          () => false,
        ),
      (added) => added,
    );
    await eventually(
      () => Promise.resolve(seen),
      (ids) => ids.includes('after-the-outage'),
    );
  });

  it('answers for the queue store again once the database is back, though a queue first opened during the outage failed to start', async () => {
    await holdMigrationLock();
    const starting = queues.healthy();
    await eventually(waitingOnTheLock, (n) => n > 0);

    await killConnections();
    expect(await starting).toBe(false);
    expect(await queues.healthy()).toBe(false);
    await admin(`ALTER DATABASE $db ALLOW_CONNECTIONS true`);

    await eventually(
      () => queues.healthy(),
      (healthy) => healthy,
    );
  });
});

/**
 * What `addBulk` stores, on each backend the environment offers, for batches added job by job (up to four) and for
 * those added in one call: every job once, under its own id, with its delay and the job options.
 */
describe.each([
  { backend: 'postgres' as const, redisUrl: undefined },
  ...(process.env.REDIS_URL ? [{ backend: 'redis' as const, redisUrl: process.env.REDIS_URL }] : []),
])('adding jobs on $backend', ({ backend, redisUrl }) => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let queues: QueueService;

  beforeEach(async () => {
    database = await createDatabase();
    queues = new QueueService({
      ...testConfig({ databaseUrl: database.url, queuePrefix: database.name }),
      redisUrl,
    });
  });

  afterEach(async () => {
    // Workers first: a running one would take jobs from a queue being emptied.
    await queues.beforeApplicationShutdown();
    for (const name of ['adding', 'failing']) await queues.queue(name).obliterate({ force: true });
    await queues.onApplicationShutdown();
    await database.drop();
  });

  it.each([1, 4, 5, 12])(
    'stores a batch of %i job(s) once each, with its delay and options, and keeps a stored job when its id comes again',
    async (size) => {
      expect(queues.backend).toBe(backend);
      const at = Date.now() + 3_600_000;
      const jobs = Array.from({ length: size }, (_, i) => ({
        id: `job-${i}`,
        data: { n: i },
        runAt: new Date(at + i * 1000),
      }));
      await queues.addBulk('adding', jobs);
      // The same ids again, with other data and at once: the jobs already there stay as they are.
      await queues.addBulk(
        'adding',
        jobs.map((job) => ({ ...job, data: { n: -1 }, runAt: undefined })),
      );

      const queue = queues.queue('adding');
      expect(await queue.getJobCounts('delayed', 'waiting')).toEqual({ delayed: size, waiting: 0 });
      for (const [i, job] of jobs.entries()) {
        const stored = await queue.getJob(job.id);
        expect(stored?.data).toEqual({ n: i });
        expect(stored?.opts.attempts).toBe(5);
        // Due at its `runAt`, give or take the milliseconds between the delay's reckoning and the job's timestamp.
        expect(stored!.timestamp + stored!.delay).toBeGreaterThanOrEqual(at + i * 1000);
        expect(stored!.timestamp + stored!.delay).toBeLessThan(at + i * 1000 + 1000);
      }
    },
  );

  it('keeps the id of a job that failed for good, so the same id is not queued again, unless the job was added to forget its failure', async () => {
    const runs: string[] = [];
    queues.work('failing', (job) => {
      runs.push(job.id!);
      // Each job's first run fails for good at once, with no retries; a second run succeeds.
      if (runs.filter((id) => id === job.id).length === 1) throw new UnrecoverableError('refused');
      return Promise.resolve();
    });
    await queues.workersStarted();
    const queue = queues.queue('failing');
    const jobs = [
      { id: 'kept', data: {} },
      { id: 'forgotten', data: {}, forgetFailure: true as const },
    ];
    await queues.addBulk('failing', jobs);
    await eventually(
      async () => ({ kept: await queue.getJobState('kept'), forgotten: await queue.getJob('forgotten') }),
      ({ kept, forgotten }) => kept === 'failed' && runs.includes('forgotten') && forgotten === undefined,
    );

    await queues.addBulk('failing', jobs);
    // The failed job still holds its id: the add changed nothing.
    expect(await queue.getJobState('kept')).toBe('failed');
    await eventually(
      () => Promise.resolve(runs.filter((id) => id === 'forgotten').length),
      (n) => n === 2,
    );
    expect(runs.filter((id) => id === 'kept')).toHaveLength(1);
  });
});
