import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { deadlineJobId } from '../src/engine/plan.util.js';
import { enqueue } from '../src/events/event-jobs.util.js';
import { QueueService } from '../src/queue/queue.service.js';
import { TimersProcessor } from '../src/timers/timers.processor.js';
import {
  inboxTask,
  jobCompleted,
  registerWorkflow,
  simpleWorkflow,
  stepOf,
  submitApplication,
  viewOf,
} from './support/helpers.js';
import type { Step } from './support/helpers.js';
import { applicant, officer, TestApp } from './support/test-app.js';
import { eventually } from './support/eventually.js';

const ann = applicant('ann');

/** Registers a workflow whose steps are each in a department of their own, `dept-${step id}`. */
const register = (t: TestApp, key: string, steps: Step[]) =>
  registerWorkflow(
    t,
    simpleWorkflow(key, steps, (id) => `dept-${id}`),
  );

const historyTypes = async (t: TestApp, id: string): Promise<string[]> =>
  (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body.events.map(
    (e: { type: string }) => e.type,
  );

describe('committed time limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The default sweep interval (30 s) is far beyond these limits: what fires here is the queue.
    t = await TestApp.start();
    await register(t, 'deemed', [
      { id: 'first', timeLimit: { seconds: 2 }, onTimeout: 'approve' },
      { id: 'second', after: ['first'], timeLimit: { seconds: 2 }, onTimeout: 'approve' },
    ]);
    await register(t, 'refused', [
      { id: 'strict', timeLimit: { seconds: 2 }, onTimeout: 'reject' },
      { id: 'other', timeLimit: { hours: 2 } },
    ]);
    await register(t, 'escalating', [{ id: 'slow', timeLimit: { seconds: 2 }, onTimeout: 'escalate' }]);
    await register(t, 'reminding', [
      { id: 'remind', timeLimit: { seconds: 4 }, remindBefore: { seconds: 3 }, onTimeout: 'escalate' },
    ]);
    await register(t, 'racing', [{ id: 'race', timeLimit: { seconds: 2 }, onTimeout: 'approve' }]);
    await register(t, 'punctual', [{ id: 'exact', timeLimit: { seconds: 3 }, onTimeout: 'approve' }]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('deems a silent step approved at its due time, and chains through its dependants', async () => {
    const id = await submitApplication(t, 'deemed');
    const opened = await viewOf(t, id);
    expect(stepOf(opened, 'first').dueAt).not.toBeNull();
    expect(opened.expectedBy).not.toBeNull();
    const done = await eventually(
      () => viewOf(t, id),
      (v) => v.status === 'approved',
    );
    expect(stepOf(done, 'first')).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
    expect(stepOf(done, 'second')).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
    const types = await historyTypes(t, id);
    expect(types.filter((type) => type === 'deemed_approved')).toHaveLength(2);
    expect(types).not.toContain('decided');
  });

  it('refuses the application when a step with onTimeout reject stays silent', async () => {
    const id = await submitApplication(t, 'refused');
    const done = await eventually(
      () => viewOf(t, id),
      (v) => v.status === 'rejected',
    );
    expect(stepOf(done, 'strict')).toMatchObject({ status: 'rejected', decidedBy: 'timeout' });
    expect(stepOf(done, 'other').status).toBe('cancelled');
    expect(await historyTypes(t, id)).toContain('rejected_on_timeout');
  });

  it('keeps an escalated step open, marked overdue and listed as such', async () => {
    const id = await submitApplication(t, 'escalating');
    const task = await eventually(
      () => inboxTask(t, 'dept-slow', id, '?overdue=true'),
      (found) => found !== undefined,
    );
    expect(task).toMatchObject({ status: 'open', overdue: true });
    expect(await inboxTask(t, 'dept-slow', id, '?overdue=false')).toBeUndefined();
    const v = await viewOf(t, id);
    expect(v.status).toBe('in_review');
    expect(stepOf(v, 'slow')).toMatchObject({ status: 'open', overdue: true, decidedBy: null });
    const types = await historyTypes(t, id);
    expect(types.filter((type) => type === 'escalated')).toHaveLength(1);
    // Still being worked on: when the application will be done is never put before the escalation itself.
    const events = (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body
      .events as { type: string; at: string }[];
    const escalatedAt = Date.parse(events.find((e) => e.type === 'escalated')!.at);
    expect(Date.parse(v.expectedBy)).toBeGreaterThanOrEqual(escalatedAt);
    // An officer can still decide an escalated step.
    const decided = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('dept-slow'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
  });

  it('marks a step reminded before its due time and keeps the reminder in the history', async () => {
    const id = await submitApplication(t, 'reminding');
    const task = await eventually(
      () => inboxTask(t, 'dept-remind', id),
      (found) => found?.reminded === true,
    );
    expect(task.overdue).toBe(false);
    const detail = await t.request('GET', `/api/v1/tasks/${task.id}`, { as: officer('dept-remind') });
    expect(detail.body.reminded).toBe(true);
    expect((await historyTypes(t, id)).filter((type) => type === 'reminded')).toHaveLength(1);
  });

  it('lets an officer decision that came first stand when the timeout arrives', async () => {
    const id = await submitApplication(t, 'racing');
    const task = await inboxTask(t, 'dept-race', id);
    const decided = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('dept-race'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    // The deadline job still fires at the due time; once it has run, it must have changed nothing.
    await jobCompleted(t, 'deadlines', deadlineJobId(task));
    const v = await viewOf(t, id);
    expect(stepOf(v, 'race')).toMatchObject({ status: 'approved', decidedBy: 'officer' });
    expect(await historyTypes(t, id)).not.toContain('deemed_approved');
  });

  it('applies a deadline the queue hands over early (its clock ahead of the worker) at the due time, not before', async () => {
    const id = await submitApplication(t, 'punctual');
    const [task] = await t.query<{ id: string; attempt: number; due_at: Date }>(
      'SELECT id, attempt, due_at FROM tasks WHERE application_id = $1',
      [id],
    );
    const dueAt = task!.due_at;
    // The job a queue whose clock runs 900 ms ahead of the worker's hands over: 900 ms before the step is due.
    const early = `early-${task!.id}`;
    await enqueue(t.app.get(QueueService), [
      {
        queue: 'deadlines',
        id: early,
        data: {
          taskId: task!.id,
          applicationId: id,
          step: 'exact',
          attempt: task!.attempt,
          at: dueAt.toISOString(),
        },
        runAt: new Date(dueAt.getTime() - 900),
      },
    ]);
    await jobCompleted(t, 'deadlines', early);
    const [decided] = await t.query<{ decided_at: Date; decided_by: string }>(
      'SELECT decided_at, decided_by FROM tasks WHERE id = $1',
      [task!.id],
    );
    // Deemed approved by the time limit, and not one millisecond before the department's time was up.
    expect(decided!.decided_by).toBe('timeout');
    expect(decided!.decided_at.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
  });

  it('answers 409 to an officer decision that arrives after a deemed approval', async () => {
    const id = await submitApplication(t, 'racing');
    const task = await inboxTask(t, 'dept-race', id);
    await eventually(
      () => viewOf(t, id),
      (v) => v.status === 'approved',
    );
    const late = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('dept-race'),
      body: { outcome: 'reject' },
    });
    expect(late.status).toBe(409);
    const v = await viewOf(t, id);
    expect(stepOf(v, 'race')).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
  });
});

describe('the database is the truth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { sweepIntervalMs: 1000 } });
    await register(t, 'flushed', [{ id: 'lost', timeLimit: { seconds: 3 }, onTimeout: 'approve' }]);
    // Due within the sweep's horizon (twice its interval and a minute), long after this file has run.
    await register(t, 'near', [{ id: 'soon', timeLimit: { seconds: 50 }, onTimeout: 'approve' }]);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Empties this app's queue store: its Redis keys, or BullMQ's job table on PostgreSQL. */
  async function flushQueues(prefix: string) {
    if (process.env.REDIS_URL) {
      const redis = new Redis(process.env.REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    } else {
      await t.query('TRUNCATE bullmq.job CASCADE');
    }
  }

  it('loses no deadline when the queue store is emptied while deadlines are pending', async () => {
    const ids = [await submitApplication(t, 'flushed'), await submitApplication(t, 'flushed')];
    await flushQueues(new URL(t.databaseUrl).pathname.slice(1));
    for (const id of ids) {
      const done = await eventually(
        () => viewOf(t, id),
        (v) => v.status === 'approved',
      );
      expect(stepOf(done, 'lost').decidedBy).toBe('timeout');
      expect((await historyTypes(t, id)).filter((type) => type === 'deemed_approved')).toHaveLength(1);
    }
  });

  it("queues every other task's lost deadline job when one task's workflow no longer loads", async () => {
    const ids = [await submitApplication(t, 'near'), await submitApplication(t, 'near')];
    const tasks = await t.query<{ id: string; attempt: number }>(
      'SELECT id, attempt FROM tasks WHERE application_id = ANY($1) ORDER BY id',
      [ids],
    );
    // The sweep pages through tasks by id: the first one fails, the second must still get its job.
    const [broken, sound] = [tasks[0]!, tasks[1]!];
    await t.query('UPDATE tasks SET workflow_version = 999 WHERE id = $1', [broken.id]);
    try {
      await flushQueues(new URL(t.databaseUrl).pathname.slice(1));
      const queue = t.app.get(QueueService).queue('deadlines');
      await eventually(
        () => queue.getJob(deadlineJobId(sound)),
        (job) => job !== undefined,
      );
    } finally {
      await t.query('UPDATE tasks SET workflow_version = 1 WHERE id = $1', [broken.id]);
    }
  });
});

describe('two service processes on one database and one queue', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await TestApp.start({ config: { sweepIntervalMs: 700 } });
    const prefix = new URL(a.databaseUrl).pathname.slice(1);
    b = await TestApp.start({
      databaseUrl: a.databaseUrl,
      queuePrefix: prefix,
      config: { sweepIntervalMs: 700 },
    });
    await register(a, 'shared', [
      { id: 'one', timeLimit: { seconds: 2 }, onTimeout: 'approve' },
      { id: 'two', timeLimit: { seconds: 2 }, onTimeout: 'escalate' },
    ]);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('acts on each timeout exactly once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => submitApplication(i % 2 ? a : b, 'shared')),
    );
    for (const id of ids) {
      await eventually(
        () => viewOf(a, id),
        (v) => stepOf(v, 'one').status === 'approved' && stepOf(v, 'two').overdue === true,
      );
    }
    // Every deadline job has run, and each process sweeps once more: all had their go at every timeout.
    const tasks = await a.query(`SELECT id, attempt FROM tasks WHERE application_id = ANY($1)`, [ids]);
    for (const task of tasks) await jobCompleted(a, 'deadlines', deadlineJobId(task));
    await Promise.all([a.app.get(TimersProcessor).sweep(), b.app.get(TimersProcessor).sweep()]);
    for (const id of ids) {
      const types = await historyTypes(a, id);
      expect(types.filter((type) => type === 'deemed_approved')).toHaveLength(1);
      expect(types.filter((type) => type === 'escalated')).toHaveLength(1);
    }
  });
});

describe('an API process and a worker process on one database and one queue', () => {
  let api: TestApp;
  let worker: TestApp;
  beforeAll(async () => {
    api = await TestApp.start({ config: { processRole: 'api' } });
    const prefix = new URL(api.databaseUrl).pathname.slice(1);
    worker = await TestApp.start({
      databaseUrl: api.databaseUrl,
      queuePrefix: prefix,
      config: { processRole: 'worker' },
    });
    await register(api, 'split', [
      { id: 'timed', timeLimit: { seconds: 2 }, onTimeout: 'approve' },
      { id: 'far', timeLimit: { workingDays: 5 } },
    ]);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  it('acts on a deadline enqueued by the API process in the worker, once', async () => {
    const id = await submitApplication(api, 'split');
    const [timed] = await api.query(
      `SELECT id, attempt FROM tasks WHERE application_id = $1 AND step = 'timed'`,
      [id],
    );
    await jobCompleted(worker, 'deadlines', deadlineJobId(timed));
    const v = await viewOf(api, id);
    expect(stepOf(v, 'timed')).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
    expect(stepOf(v, 'far').status).toBe('open');
    expect((await historyTypes(api, id)).filter((type) => type === 'deemed_approved')).toHaveLength(1);
  });
});
