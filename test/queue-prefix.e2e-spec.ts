import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseQueuePrefix } from '../src/config/queue-prefix.js';
import { EVENT_QUEUES } from '../src/queue/queue-names.util.js';
import { QueueService } from '../src/queue/queue.service.js';
import { eventually } from './support/eventually.js';
import { registerWorkflow, simpleWorkflow, stepOf, submitApplication, viewOf } from './support/helpers.js';
import { createDatabase, TestApp } from './support/test-app.js';

/**
 * Two deployments on two databases of one PostgreSQL server, sharing one Redis (when REDIS_URL is set), each with
 * the queue prefix `npm start` derives when QUEUE_PREFIX is unset. The sweep is set far beyond the test, so only the
 * queue can act: a job taken by the other deployment (which finds no such task in its database) would leave the
 * step waiting and the test would time out.
 */
describe('deployments sharing one Redis', () => {
  const deployments: { t: TestApp; drop: () => Promise<void>; prefix: string }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const database = await createDatabase();
      const prefix = await databaseQueuePrefix(database.url);
      const t = await TestApp.start({
        databaseUrl: database.url,
        queuePrefix: prefix,
        config: { sweepIntervalMs: 600_000 },
      });
      deployments.push({ t, drop: database.drop, prefix });
      await registerWorkflow(
        t,
        simpleWorkflow(
          'both-ways',
          [
            { id: 'instant', timeLimit: { hours: 1 }, autoApprove: true },
            { id: 'deemed', after: ['instant'], timeLimit: { seconds: 2 }, onTimeout: 'approve' },
          ],
          (id) => `dept-${id}`,
        ),
      );
    }
  });

  afterAll(async () => {
    for (const { t, drop } of deployments) {
      if (process.env.REDIS_URL) {
        const queues = t.app.get(QueueService);
        await Promise.all(
          EVENT_QUEUES.map((n) =>
            queues
              .queue(n)
              .obliterate({ force: true })
              .catch(() => undefined),
          ),
        );
      }
      await t.close();
      await drop();
    }
  });

  it('derives a different prefix for each database, the same one every time for one database', async () => {
    const [a, b] = deployments;
    expect(a!.prefix).toMatch(/^pa-[0-9a-f]{12}$/);
    expect(b!.prefix).toMatch(/^pa-[0-9a-f]{12}$/);
    expect(a!.prefix).not.toBe(b!.prefix);
    expect(await databaseQueuePrefix(a!.t.databaseUrl)).toBe(a!.prefix);
  });

  it("acts on each deployment's rules and deadlines through its own queue", async () => {
    const submitted = await Promise.all(
      deployments.map(async ({ t }) => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push(await submitApplication(t, 'both-ways'));
        return { t, ids };
      }),
    );
    for (const { t, ids } of submitted) {
      for (const id of ids) {
        const done = await eventually(
          () => viewOf(t, id),
          (v) => v.status === 'approved',
        );
        expect(stepOf(done, 'instant')).toMatchObject({ status: 'approved', decidedBy: 'rule' });
        expect(stepOf(done, 'deemed')).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
      }
    }
  });
});
