import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { behindRowLock } from '../../test/support/row-lock.js';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import { AppModule } from '../app.module.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { HistoryService } from '../audit/history.service.js';
import type { Caller } from '../auth/caller.js';
import { ErrorCode } from '../common/domain.exception.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { ApplicationState, PlanEvent } from '../engine/plan.types.js';
import { deadlineJobId, reminderJobId, ruleJobId } from '../engine/plan.util.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EVENT_QUEUES } from '../queue/queue-names.util.js';
import { QueueService } from '../queue/queue.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { TimersProcessor } from '../timers/timers.processor.js';
import { EventExecutor } from './event-executor.service.js';
import { READ_FOR_EVENT, rowsToState } from './event-sql.util.js';

/**
 * The event path against a real database and a real queue, without HTTP: planner plus executor, through the
 * services that call them. The process runs as `PROCESS_ROLE=api`, so no worker or sweep runs behind the test's
 * back: every statement counted is the event's own, and every job stays in the queue to be looked at.
 */

const ann: Caller = { id: 'ann', role: 'applicant', department: null };
const officer = (department: string, id = `${department}-officer`): Caller => ({
  id,
  role: 'officer',
  department,
});

const form = {
  type: 'object',
  properties: {
    seats: { type: 'integer' },
    code: { type: 'string' },
    owner: { type: 'string', 'x-pii': true },
  },
};
const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  department: `dept-${id}`,
  timeLimit: { hours: 1 },
  ...extra,
});

const WORKFLOWS = [
  {
    key: 'pair',
    name: 'Two in a row',
    form,
    steps: [step('first'), step('second', { after: ['first'] })],
  },
  {
    key: 'by-rule',
    name: 'Rules with and without facts',
    form,
    facts: { registry: { url: 'http://127.0.0.1:9/companies/{code}' } },
    steps: [
      step('small', { autoApprove: { '<=': [{ var: 'seats' }, 20] } }),
      step('registered', { after: ['small'], autoApprove: { '==': [{ var: 'facts.registry.ok' }, true] } }),
      step('manual'),
      step('after-manual', { after: ['manual'], autoApprove: true }),
    ],
  },
  {
    key: 'trio',
    name: 'Three at once',
    form,
    steps: [step('one'), step('two'), step('three')],
  },
  {
    key: 'joint',
    name: 'Two signatures for one licence',
    form,
    steps: [step('permit', { signoff: 2, produces: ['licenceNo'] })],
  },
  {
    key: 'timers',
    name: 'Near and far due times',
    form,
    steps: [
      step('near', { timeLimit: { seconds: 30 }, onTimeout: 'approve' }),
      step('far', { timeLimit: { workingDays: 5 }, remindBefore: { workingDays: 1 } }),
    ],
  },
];

/** An officer's approval of a step's first attempt, as the executor is handed it. */
const approval = (step: string): PlanEvent => ({
  type: 'decide',
  step,
  attempt: 1,
  officer: `dept-${step}-officer`,
  outcome: 'approve',
  comment: null,
  produces: {},
});

/** A Prometheus counter of the context's process, summed over its labels. */
async function metricTotal(context: INestApplicationContext, name: string): Promise<number> {
  const metric = context.get(MetricsService).registry.getSingleMetric(name);
  return (await metric!.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** How many times events were planned again after a write found their application changed. */
const retryCount = (context: INestApplicationContext) => metricTotal(context, 'pa_event_retries_total');

/** Hands every statement TypeORM sends, BEGIN and COMMIT included, to `seen`: they all pass its logger. */
function watchStatements(dataSource: DataSource, seen: (query: string, parameters: unknown[]) => void): void {
  const logger = dataSource.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    seen(query, (parameters as unknown[] | undefined) ?? []);
    return logQuery(query, parameters, runner);
  };
}

/** The first two words of a statement, as the specs compare them. */
const head = (query: string) => query.trim().split(/\s+/).slice(0, 2).join(' ');

describe('the event path on a real database (planner + executor, no HTTP)', () => {
  let context: INestApplicationContext;
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  let database: { url: string; name: string };
  let statements: string[] | null = null;
  /** Every statement sent, with its parameters, while `sent` is an array. */
  let sent: { query: string; parameters: unknown[] }[] | null = null;

  beforeAll(async () => {
    const created = await createDatabase();
    drop = created.drop;
    database = created;
    context = await startContext();
    dataSource = context.get<DataSource>(getDataSourceToken());
    watchStatements(dataSource, (query, parameters) => {
      statements?.push(head(query));
      sent?.push({ query, parameters });
    });
    for (const workflow of WORKFLOWS) await context.get(DefinitionsService).register(workflow);
  });

  afterAll(async () => {
    if (process.env.REDIS_URL) {
      const queues = context.get(QueueService);
      await Promise.all(
        EVENT_QUEUES.map((n) =>
          queues
            .queue(n)
            .obliterate({ force: true })
            .catch(() => undefined),
        ),
      );
    }
    await context.close();
    await drop();
  });

  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    statements = [];
    try {
      const result = await work();
      return { result, statements };
    } finally {
      statements = null;
    }
  }

  const submit = (workflow: string, data: Record<string, unknown> = {}) =>
    context.get(ApplicationsService).submit(ann, { workflow, data });
  const tasksOf = (applicationId: string) =>
    dataSource.query(
      `SELECT id, step, attempt, status, decided_by, rule_pending, workflow_version, due_at FROM tasks
       WHERE application_id = $1 ORDER BY opened_at, step`,
      [applicationId],
    );
  /** A process of its own on the test's database and queue; `config` over the test's. */
  const startContext = (config: Partial<RuntimeConfig> = {}) =>
    NestFactory.createApplicationContext(
      AppModule.forRoot(
        testConfig({
          databaseUrl: database.url,
          queuePrefix: database.name,
          config: { processRole: 'api', factsAllowedHosts: ['127.0.0.1'], ...config },
        }),
      ),
      { logger: ['error'] },
    );
  const jobState = (queue: string, id: string) => context.get(QueueService).queue(queue).getJobState(id);

  /**
   * `work` in another process on the test's database and queue (`config` over the test's), handed the first words
   * of every statement that process sends; the process is closed afterwards.
   */
  async function inAnotherProcess<T>(
    work: (other: INestApplicationContext, seen: string[]) => Promise<T>,
    config: Partial<RuntimeConfig> = {},
  ): Promise<T> {
    const other = await startContext(config);
    const seen: string[] = [];
    watchStatements(other.get<DataSource>(getDataSourceToken()), (query) => seen.push(head(query)));
    try {
      return await work(other, seen);
    } finally {
      await other.close();
    }
  }

  /** The application's history verifies and holds `decided` officers' decisions. */
  async function expectChain(applicationId: string, decided: number): Promise<void> {
    const history = await context.get(HistoryService).list(applicationId);
    expect(history.chain.valid).toBe(true);
    expect(history.events.filter((e) => e.type === 'decided')).toHaveLength(decided);
  }

  it('writes a decision in one statement, planned with no read from the state this process wrote last', async () => {
    const submitted = await submit('pair');
    const [first] = await tasksOf(submitted.body.id);
    const decided = await counted(() =>
      context.get(TasksService).decide(officer('dept-first'), first.id, { outcome: 'approve' }),
    );
    expect(decided.result.status).toBe(200);
    expect(decided.result.body).toMatchObject({ step: 'first', status: 'approved', decidedBy: 'officer' });
    expect(decided.statements).toEqual(['WITH app']);
    const tasks = await tasksOf(submitted.body.id);
    expect(tasks.map((t: { step: string; status: string }) => [t.step, t.status])).toEqual([
      ['first', 'approved'],
      ['second', 'open'],
    ]);
    const history = await context.get(HistoryService).list(submitted.body.id);
    expect(history.chain.valid).toBe(true);
  });

  it('remembers exactly the state a read of the database finds, personal values sealed, after a submission and after each decision', async () => {
    const submitted = await submit('by-rule', { seats: 5, code: 'ACME', owner: 'Ann Example' });
    const id = submitted.body.id;
    type Remembered = { state: ApplicationState; piiKey: unknown };
    // The executor's own memory, looked at from outside: what it plans the next event from.
    const executor: unknown = context.get(EventExecutor);
    const remembered = () =>
      (executor as { lastWritten: { get(id: string): Remembered | undefined } }).lastWritten.get(id);
    const read = async () => {
      const [row] = await dataSource.query<
        { state: { application: Record<string, unknown>; tasks: unknown } }[]
      >(READ_FOR_EVENT.text, [id, null]);
      return {
        state: rowsToState({ ...row!.state.application, tasks: row!.state.tasks }),
        piiKey: row!.state.application.pii_key,
      };
    };
    const byId = ({ state, piiKey }: Remembered) => ({
      state: { ...state, tasks: [...state.tasks].sort((a, b) => a.id.localeCompare(b.id)) },
      piiKey,
    });
    const expectRememberedAsRead = async () => {
      const memory = remembered();
      expect(memory).toBeDefined();
      expect(byId(memory!)).toStrictEqual(byId(await read()));
    };

    await expectRememberedAsRead();
    expect(remembered()!.state.application.data.owner).not.toBe('Ann Example');
    const manual = (await tasksOf(id)).find((t: { step: string }) => t.step === 'manual');
    await context
      .get(TasksService)
      .decide(officer('dept-manual'), manual.id, { outcome: 'approve', comment: 'All in order' });
    await expectRememberedAsRead();
    expect(
      remembered()!
        .state.tasks.map((t) => t.status)
        .sort(),
    ).toEqual(['approved', 'approved', 'approved', 'open']);
  });

  it('writes a decision in two statements, one read and one write, with no BEGIN or COMMIT, in a process that has not written for the application', async () => {
    await inAnotherProcess(async (other, seen) => {
      // The workflow compiled in that process beforehand, as a process that has served it before has it.
      await other
        .get(DefinitionsService)
        .loadLatest('pair', other.get<DataSource>(getDataSourceToken()).manager, false);
      seen.length = 0;
      const submitted = await submit('pair');
      const [first] = await tasksOf(submitted.body.id);
      const decided = await other
        .get(TasksService)
        .decide(officer('dept-first'), first.id, { outcome: 'approve' });
      expect(decided.status).toBe(200);
      expect(seen).toEqual(['SELECT json_build_object(', 'WITH app']);
      // Its own write is what it plans the next event from.
      seen.length = 0;
      const second = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'second');
      await other.get(TasksService).decide(officer('dept-second'), second.id, { outcome: 'approve' });
      expect(seen).toEqual(['WITH app']);
      expect(
        (await tasksOf(submitted.body.id)).map((t: { step: string; status: string }) => [t.step, t.status]),
      ).toEqual([
        ['first', 'approved'],
        ['second', 'approved'],
      ]);
    });
  });

  it('reads and plans again an event whose remembered state another process has replaced since, applies it once, and remembers no state of that application again', async () => {
    await inAnotherProcess(async (other) => {
      const submitted = await submit('trio');
      const steps: { department: string; taskId: string }[] = await everyStep(submitted.body.id);
      // Another process writes the next revision: this one still remembers the revision it wrote.
      await other
        .get(TasksService)
        .decide(officer(steps[0]!.department), steps[0]!.taskId, { outcome: 'approve' });
      const before = await retryCount(context);
      const decided = await counted(() =>
        context
          .get(TasksService)
          .decide(officer(steps[1]!.department), steps[1]!.taskId, { outcome: 'approve' }),
      );
      expect(decided.result.status).toBe(200);
      // The write planned from the remembered state found the revision moved on; the event was read and written.
      expect(decided.statements).toEqual(['WITH app', 'SELECT json_build_object(', 'WITH app']);
      expect((await retryCount(context)) - before).toBe(1);
      // Written elsewhere once, the application's next event here is read: no state is remembered for it now.
      const third = await counted(() =>
        context
          .get(TasksService)
          .decide(officer(steps[2]!.department), steps[2]!.taskId, { outcome: 'approve' }),
      );
      expect(third.result.status).toBe(200);
      expect(third.statements).toEqual(['SELECT json_build_object(', 'WITH app']);
      const tasks = await tasksOf(submitted.body.id);
      expect(tasks.map((t: { status: string }) => t.status)).toEqual(['approved', 'approved', 'approved']);
      await expectChain(submitted.body.id, 3);
    });
  });

  it('counts a remembered state found replaced toward the locked turn, as a conflict met after a read is', async () => {
    // A process that allows one unlocked turn: after the remembered state's, the next is the locked one.
    await inAnotherProcess(
      async (locking, seen) => {
        const submitted = await locking.get(ApplicationsService).submit(ann, { workflow: 'trio', data: {} });
        const steps: { department: string; taskId: string }[] = await everyStep(submitted.body.id);
        await context
          .get(TasksService)
          .decide(officer(steps[0]!.department), steps[0]!.taskId, { outcome: 'approve' });
        seen.length = 0;
        const decided = await locking
          .get(TasksService)
          .decide(officer(steps[1]!.department), steps[1]!.taskId, { outcome: 'approve' });
        expect(decided.status).toBe(200);
        expect(seen).toEqual([
          'WITH app',
          'START TRANSACTION',
          'SELECT pa_lock_for_event($1::uuid,',
          'WITH app',
          'COMMIT',
        ]);
      },
      { eventLockAfterConflicts: 1 },
    );
  });

  it('remembers no state longer than its limit: the next event of an application with large data is read', async () => {
    const submitted = await submit('pair', { code: 'x'.repeat(40_000) });
    const [first] = await tasksOf(submitted.body.id);
    const decided = await counted(() =>
      context.get(TasksService).decide(officer('dept-first'), first.id, { outcome: 'approve' }),
    );
    expect(decided.result.status).toBe(200);
    expect(decided.statements).toEqual(['SELECT json_build_object(', 'WITH app']);
  });

  it("remembers no state whose first countersignature's values pass the limit: the second signature is read", async () => {
    const submitted = await submit('joint', { code: 'x' });
    const [permit] = await tasksOf(submitted.body.id);
    const licenceNo = 'L'.repeat(40_000);
    const tasks = context.get(TasksService);
    const first = await tasks.decide(officer('dept-permit', 'amy'), permit.id, {
      outcome: 'approve',
      produces: { licenceNo },
    });
    expect(first.status).toBe(200);
    const second = await counted(() =>
      tasks.decide(officer('dept-permit', 'bo'), permit.id, { outcome: 'approve', produces: { licenceNo } }),
    );
    expect(second.result.body.status).toBe('approved');
    expect(second.statements).toEqual(['SELECT json_build_object(', 'WITH app']);
  });

  it('refuses an event only against the stored state: one the remembered state would refuse is read first', async () => {
    await inAnotherProcess(async (other) => {
      const submitted = await submit('pair');
      const [first] = await tasksOf(submitted.body.id);
      const tasks = context.get(TasksService);
      // This process remembers the step claimed by Bea; another releases it, so Cy may decide it now.
      await tasks.claim(officer('dept-first', 'bea'), first.id);
      await other.get(TasksService).release(officer('dept-first', 'bea'), first.id);
      const decided = await counted(() =>
        tasks.decide(officer('dept-first', 'cy'), first.id, { outcome: 'approve' }),
      );
      expect(decided.result.status).toBe(200);
      expect(decided.result.body).toMatchObject({ status: 'approved' });
      // Nothing written from the remembered state (it refused the decision); read, planned and written.
      expect(decided.statements).toEqual(['SELECT json_build_object(', 'WITH app']);
    });
  });

  /** Every decision sent while the application's row lock is held, all reading one revision; their statuses. */
  const decideBehindLock = async (
    applicationId: string,
    decisions: { department: string; taskId: string }[],
    tasks: TasksService,
  ) =>
    (
      await behindRowLock(database.url, applicationId, () =>
        decisions.map(({ department, taskId }) =>
          tasks.decide(officer(department), taskId, { outcome: 'approve' }),
        ),
      )
    ).map((d) => d.status);

  const everyStep = async (applicationId: string) =>
    (await tasksOf(applicationId)).map((t: { id: string; step: string }) => ({
      department: `dept-${t.step}`,
      taskId: t.id,
    }));

  it('plans an event again when its write finds the application changed since its read, and applies each once', async () => {
    // Another process: events of the process that submitted would wait for one another instead (the next test).
    await inAnotherProcess(async (other, seen) => {
      const submitted = await submit('timers');
      const before = await retryCount(other);
      // Both read one revision and wait to write it: the first to run after the lock goes is written, and the
      // second finds the revision it was planned from replaced, reads again and is written on its second turn.
      const statuses = await decideBehindLock(
        submitted.body.id,
        await everyStep(submitted.body.id),
        other.get(TasksService),
      );
      expect(statuses).toEqual([200, 200]);
      // Three unlocked turns are allowed by default: the second turn took no lock.
      expect(seen.filter((s) => s.startsWith('SELECT pa_lock_for_event'))).toEqual([]);
      expect(seen.filter((s) => s === 'START TRANSACTION')).toEqual([]);
      expect((await retryCount(other)) - before).toBe(1);
      const tasks = (await tasksOf(submitted.body.id)).sort((a: { step: string }, b: { step: string }) =>
        a.step.localeCompare(b.step),
      );
      expect(
        tasks.map((t: { step: string; status: string; decided_by: string }) => [
          t.step,
          t.status,
          t.decided_by,
        ]),
      ).toEqual([
        ['far', 'approved', 'officer'],
        ['near', 'approved', 'officer'],
      ]);
      await expectChain(submitted.body.id, 2);
    });
  });

  it('makes events of one process on one application wait for one another, so none is read and planned twice', async () => {
    const submitted = await submit('trio');
    const steps: { department: string; taskId: string }[] = await everyStep(submitted.body.id);
    const before = await retryCount(context);
    statements = [];
    try {
      // Sent at once while the application's row is locked: the first is planned and waits to write; the other two
      // wait in the process, not yet planned. Without that wait all three would be waiting on the lock.
      const statuses = (
        await behindRowLock(
          database.url,
          submitted.body.id,
          () =>
            steps.map(({ department, taskId }) =>
              context.get(TasksService).decide(officer(department), taskId, { outcome: 'approve' }),
            ),
          {
            until: async (lockWaiters) =>
              lockWaiters === 1 && (await metricTotal(context, 'pa_events_waiting')) === 2,
          },
        )
      ).map((d) => d.status);
      expect(statuses).toEqual([200, 200, 200]);
      // One write each, in turn, each planned from the state the one before it wrote: no read, lock or transaction.
      expect(statements).toEqual(['WITH app', 'WITH app', 'WITH app']);
    } finally {
      statements = null;
    }
    expect((await retryCount(context)) - before).toBe(0);
    expect(await metricTotal(context, 'pa_events_waiting')).toBe(0);
    expect((await tasksOf(submitted.body.id)).map((t: { status: string }) => t.status)).toEqual([
      'approved',
      'approved',
      'approved',
    ]);
    await expectChain(submitted.body.id, 3);
  });

  it('takes the row lock, in a transaction of its own, for the last turn of an event that keeps finding its application changed', async () => {
    // A process that allows one unlocked turn: the second turn of a contended event is the locked one.
    await inAnotherProcess(
      async (locking, seen) => {
        const submitted = await submit('trio', { seats: 12, code: 'ACME' });
        const [retries, recorded] = [
          await retryCount(locking),
          await metricTotal(locking, 'pa_disclosures_total'),
        ];
        // All three read one revision and wait to write it: one is written, the other two find it replaced and
        // queue on the row lock for their second turn.
        const statuses = await decideBehindLock(
          submitted.body.id,
          await everyStep(submitted.body.id),
          locking.get(TasksService),
        );
        expect(statuses).toEqual([200, 200, 200]);
        expect(seen.filter((s) => s.startsWith('SELECT pa_lock_for_event'))).toHaveLength(2);
        expect(seen.filter((s) => s === 'START TRANSACTION')).toHaveLength(2);
        expect(seen.filter((s) => s === 'COMMIT')).toHaveLength(2);
        expect((await retryCount(locking)) - retries).toBe(2);
        // Each answer showed the form's fields: one ledger row per decision written, none for a turn that was not,
        // and the ledger's counter moved once each, the locked turns' after their own transactions committed.
        expect((await metricTotal(locking, 'pa_disclosures_total')) - recorded).toBe(3);
        const [{ count }] = await dataSource.query(
          `SELECT count(*)::int AS count FROM disclosures WHERE application_id = $1`,
          [submitted.body.id],
        );
        expect(count).toBe(3);
        expect((await tasksOf(submitted.body.id)).map((t: { status: string }) => t.status)).toEqual([
          'approved',
          'approved',
          'approved',
        ]);
        await expectChain(submitted.body.id, 3);
      },
      { eventLockAfterConflicts: 1 },
    );
  });

  it('writes nothing at all when a write is sent again for a revision already replaced', async () => {
    const submitted = await submit('by-rule', { seats: 50, code: 'ACME' });
    const manual = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'manual');
    sent = [];
    let write: { query: string; parameters: unknown[] } | undefined;
    try {
      await context.get(TasksService).decide(officer('dept-manual'), manual.id, { outcome: 'approve' });
      write = sent.find((s) => s.query.trimStart().startsWith('WITH'));
    } finally {
      sent = null;
    }
    const counts = () =>
      dataSource.query(
        `SELECT (SELECT count(*) FROM tasks WHERE application_id = $1)::int AS tasks,
                (SELECT count(*) FROM history WHERE application_id = $1)::int AS history,
                (SELECT count(*) FROM disclosures WHERE application_id = $1)::int AS disclosures,
                (SELECT revision FROM applications WHERE id = $1) AS revision`,
        [submitted.body.id],
      );
    const after = await counts();
    // The decision opened a step (new task row), appended history and recorded the answer's view in the ledger.
    expect(after[0]).toMatchObject({ disclosures: 1 });
    const replayed = await dataSource.query(write!.query, write!.parameters);
    expect(replayed).toEqual([{ written: 0 }]);
    expect(await counts()).toEqual(after);
  });

  it('writes a submission in one statement, which commits by itself, once the process knows the latest version', async () => {
    const submitted = await counted(() => submit('pair'));
    expect(submitted.result.status).toBe(201);
    expect(submitted.statements).toEqual(['WITH app']);
  });

  it('answers a poll in one statement, with the view when the revision moved on and 304 while it has not', async () => {
    const submitted = await submit('pair');
    const applications = context.get(ApplicationsService);
    const first = await counted(() => applications.getUnlessMatch(ann, submitted.body.id, undefined));
    expect(first.statements).toEqual(['SELECT a.id,']);
    expect(first.result.view?.steps.map((s) => s.status)).toEqual(['open', 'blocked']);
    const unchanged = await counted(() =>
      applications.getUnlessMatch(ann, submitted.body.id, first.result.etag),
    );
    expect(unchanged.result).toEqual({ etag: first.result.etag, view: null });
    expect(unchanged.statements).toEqual(['SELECT a.id,']);
    const [task] = await tasksOf(submitted.body.id);
    await context.get(TasksService).decide(officer('dept-first'), task.id, { outcome: 'approve' });
    const moved = await counted(() => applications.getUnlessMatch(ann, submitted.body.id, first.result.etag));
    expect(moved.result.etag).not.toBe(first.result.etag);
    expect(moved.result.view?.steps.map((s) => s.status)).toEqual(['approved', 'open']);
    expect(moved.statements).toEqual(['SELECT a.id,']);
  });

  it('writes a submission with an Idempotency-Key in one transaction with the key', async () => {
    const submitted = await counted(() =>
      context.get(ApplicationsService).submit(ann, { workflow: 'pair', data: {} }, 'submit-once'),
    );
    expect(submitted.result.status).toBe(201);
    expect(submitted.statements).toEqual([
      'START TRANSACTION',
      'INSERT INTO',
      'WITH app',
      'UPDATE "idempotency_keys"',
      'COMMIT',
    ]);
  });

  it('plans a submission again when another process has registered a later version: nothing is written on the old one', async () => {
    const definitions = context.get(DefinitionsService);
    await definitions.register({ ...WORKFLOWS[0], key: 'versioned' });
    expect((await definitions.loadLatest('versioned', dataSource.manager, false)).version).toBe(1);
    // Another process registers version 2: this process has not heard of it.
    await dataSource.query(
      `INSERT INTO workflow_versions (key, version, name, definition, content_hash)
       SELECT key, 2, name, definition, 'another-process' FROM workflow_versions WHERE key = 'versioned'`,
    );
    expect((await definitions.loadLatest('versioned', dataSource.manager, false)).version).toBe(1);
    const submitted = await counted(() => submit('versioned'));
    expect(submitted.result.body.workflow).toEqual({ key: 'versioned', version: 2 });
    // The first write found version 2 and inserted nothing; the second, planned on version 2, did.
    expect(submitted.statements.filter((s) => s === 'WITH app')).toHaveLength(2);
    const stored = await dataSource.query(
      `SELECT workflow_version FROM applications WHERE workflow_key = 'versioned'`,
    );
    expect(stored).toEqual([{ workflow_version: 2 }]);
    const tasks = await tasksOf(submitted.result.body.id);
    expect(tasks.map((t: { workflow_version: number }) => t.workflow_version)).toEqual([2]);
  });

  it('keeps the history head on the application, so the chain is extended without reading it', async () => {
    const submitted = await submit('pair');
    const [first] = await tasksOf(submitted.body.id);
    await context
      .get(TasksService)
      .decide(officer('dept-first'), first.id, { outcome: 'reject', comment: 'no' });
    const [head] = await dataSource.query(
      'SELECT history_seq, history_hash FROM applications WHERE id = $1',
      [submitted.body.id],
    );
    const history = await context.get(HistoryService).list(submitted.body.id);
    expect(history.chain).toEqual({ valid: true, head: head.history_hash, matchesCheckpoint: null });
    expect(history.events).toHaveLength(head.history_seq);
    expect(history.events.map((e) => e.type)).toEqual([
      'submitted',
      'step_opened',
      'decided',
      'step_cancelled',
      'application_rejected',
    ]);
  });

  it('carries the workflow version on every task row', async () => {
    const submitted = await submit('pair');
    const tasks = await tasksOf(submitted.body.id);
    expect(tasks.map((t: { workflow_version: number }) => t.workflow_version)).toEqual([1]);
  });

  it('approves a step whose rule reads no facts inside the submission, and queues only the rule that reads facts', async () => {
    const submitted = await submit('by-rule', { seats: 5, code: 'ACME' });
    expect(submitted.body.steps.find((s) => s.id === 'small')).toMatchObject({
      status: 'approved',
      decidedBy: 'rule',
    });
    const tasks = await tasksOf(submitted.body.id);
    const small = tasks.find((t: { step: string }) => t.step === 'small');
    const registered = tasks.find((t: { step: string }) => t.step === 'registered');
    expect(small).toMatchObject({ status: 'approved', decided_by: 'rule', rule_pending: false });
    expect(registered).toMatchObject({ status: 'open', rule_pending: true });
    // The clear-cut rule never went to the queue; the fact rule did, once the submission had committed.
    expect(await jobState('rules', ruleJobId(small))).toBe('unknown');
    expect(await jobState('rules', ruleJobId(registered))).toMatch(/waiting|wait|active|prioritized/);
  });

  it("enqueues a written event's jobs even when the work fails after its write, and none of a rolled-back one", async () => {
    const decideSmall = (singleStatement: boolean) => async () => {
      const submitted = await submit('by-rule', { seats: 50, code: 'ACME' });
      const small = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'small');
      const failure = new Error('the work failed after the event was written');
      await expect(
        context.get(UnitOfWork).run(
          async (manager, afterCommit) => {
            await context.get(EventExecutor).apply(
              { manager, afterCommit },
              {
                target: { taskId: small.id },
                event: () => approval('small'),
              },
            );
            throw failure;
          },
          { singleStatement },
        ),
      ).rejects.toBe(failure);
      return (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'registered');
    };
    // Outside a transaction the decision stood, so the fact rule of the step it opened must be asked.
    const opened = await decideSmall(true)();
    expect(opened).toMatchObject({ status: 'open', rule_pending: true });
    expect(await jobState('rules', ruleJobId(opened))).toMatch(/waiting|wait|active|prioritized/);
    // In a transaction the failure rolled the decision back: the step never opened, and nothing was enqueued.
    const queued = () =>
      context.get(QueueService).queue('rules').getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const before = await queued();
    expect(await decideSmall(false)()).toBeUndefined();
    expect(await queued()).toEqual(before);
  });

  it('keeps a task whose fact rule has not spoken out of the inbox, and lists it with rulePending=true', async () => {
    const submitted = await submit('by-rule', { seats: 5, code: 'ACME' });
    const inbox = context.get(TasksService);
    const dept = officer('dept-registered');
    const mine = (items: { applicationId: string }[]) =>
      items.filter((i) => i.applicationId === submitted.body.id);
    expect(mine((await inbox.inbox(dept, {})).items)).toEqual([]);
    expect(mine((await inbox.inbox(dept, { rulePending: 'true' })).items)).toHaveLength(1);
  });

  it('decides a rule without facts in the same write as the decision that opens its step', async () => {
    const submitted = await submit('by-rule', { seats: 5, code: 'ACME' });
    const manual = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'manual');
    const decided = await counted(() =>
      context.get(TasksService).decide(officer('dept-manual'), manual.id, { outcome: 'approve' }),
    );
    // The event in one write, planned from the state the submission wrote; the answer shows the form's fields, so
    // the ledger's row goes in that same write.
    expect(decided.statements).toEqual(['WITH app']);
    const recorded = await dataSource.query(
      `SELECT kind, recipient_department, actor_role, actor_id, step, fields FROM disclosures
        WHERE application_id = $1 AND actor_id = 'dept-manual-officer'`,
      [submitted.body.id],
    );
    expect(recorded).toEqual([
      {
        kind: 'task-view',
        recipient_department: 'dept-manual',
        actor_role: 'officer',
        actor_id: 'dept-manual-officer',
        step: 'manual',
        fields: expect.arrayContaining(['seats']) as unknown,
      },
    ]);
    const after = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'after-manual');
    expect(after).toMatchObject({ status: 'approved', decided_by: 'rule' });
    const types = (await context.get(HistoryService).list(submitted.body.id)).events.map((e) => e.type);
    expect(types.slice(-3)).toEqual(['decided', 'step_opened', 'rule_approved']);
  });

  it('enqueues a deadline only when it falls within the horizon; the sweep brings the far one in when it nears', async () => {
    const submitted = await submit('timers');
    const tasks = await tasksOf(submitted.body.id);
    const near = tasks.find((t: { step: string }) => t.step === 'near');
    const far = tasks.find((t: { step: string }) => t.step === 'far');
    expect(await jobState('deadlines', deadlineJobId(near))).toBe('delayed');
    expect(await jobState('deadlines', deadlineJobId(far))).toBe('unknown');
    expect(await jobState('reminders', reminderJobId(far))).toBe('unknown');

    // Time passes: the far step is now due within the horizon, and the next sweep enqueues its deadline.
    await dataSource.query(`UPDATE tasks SET due_at = now() + interval '1 minute' WHERE id = $1`, [far.id]);
    await context.get(TimersProcessor).sweep();
    expect(await jobState('deadlines', deadlineJobId(far))).toBe('delayed');
  });

  it('lets a deadline job of a step decided since, or of another attempt, change nothing', async () => {
    const submitted = await submit('timers');
    const near = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'near');
    await context.get(TasksService).decide(officer('dept-near'), near.id, { outcome: 'approve' });
    const before = await context.get(HistoryService).list(submitted.body.id);
    const timers = context.get(TimersProcessor);
    await dataSource.query(`UPDATE tasks SET due_at = now() - interval '1 second' WHERE id = $1`, [near.id]);
    const job = { taskId: near.id, applicationId: submitted.body.id, step: 'near' };
    await timers.onDeadline({ ...job, attempt: 1 });
    await timers.onDeadline({ ...job, attempt: 2 });
    await timers.onReminder({ ...job, attempt: 1 });
    const after = await context.get(HistoryService).list(submitted.body.id);
    expect(after.events).toEqual(before.events);
    const { view } = await context.get(ApplicationsService).getUnlessMatch(ann, submitted.body.id, undefined);
    expect(view!.steps.find((s) => s.id === 'near')).toMatchObject({
      status: 'approved',
      decidedBy: 'officer',
    });
  });

  it('acts on a deadline that has come, once, however often its job is delivered', async () => {
    const submitted = await submit('timers');
    const near = (await tasksOf(submitted.body.id)).find((t: { step: string }) => t.step === 'near');
    await dataSource.query(`UPDATE tasks SET due_at = now() - interval '1 second' WHERE id = $1`, [near.id]);
    const job = { taskId: near.id, applicationId: submitted.body.id, step: 'near', attempt: 1 };
    const timers = context.get(TimersProcessor);
    await Promise.all([timers.onDeadline(job), timers.onDeadline(job), timers.onDeadline(job)]);
    const types = (await context.get(HistoryService).list(submitted.body.id)).events.map((e) => e.type);
    expect(types.filter((t) => t === 'deemed_approved')).toHaveLength(1);
  });

  it('refuses a second decision on a decided task with a conflict and writes nothing', async () => {
    const submitted = await submit('pair');
    const [first] = await tasksOf(submitted.body.id);
    await context.get(TasksService).decide(officer('dept-first'), first.id, { outcome: 'approve' });
    await expect(
      context
        .get(EventExecutor)
        .applyAlone({ target: { taskId: first.id }, event: () => approval('first'), conflict: 'not open' }),
    ).rejects.toMatchObject({ code: ErrorCode.Conflict });
    const types = (await context.get(HistoryService).list(submitted.body.id)).events.map((e) => e.type);
    expect(types.filter((t) => t === 'decided')).toHaveLength(1);
  });

  it('refuses an event on a task or application that does not exist as not found, on an unlocked turn and a locked one', async () => {
    await inAnotherProcess(
      async (locking) => {
        for (const executor of [context.get(EventExecutor), locking.get(EventExecutor)]) {
          for (const target of [{ taskId: randomUUID() }, { applicationId: randomUUID() }]) {
            await expect(
              executor.applyAlone({ target, event: () => approval('first') }),
            ).rejects.toMatchObject({
              code: ErrorCode.NotFound,
            });
          }
        }
      },
      { eventLockAfterConflicts: 0 },
    );
  });

  it("writes a decision reading only its own application's tasks, however many the table holds", async () => {
    const submitted = await submit('pair');
    // Other applications' tasks, enough that the planner would rather scan the table than use an index when
    // nothing in the write bounds it to one application: each decision would then read every task there is.
    await dataSource.query(
      `WITH others AS (
         INSERT INTO applications
         SELECT (jsonb_populate_record(NULL::applications, to_jsonb(a) || jsonb_build_object('id', gen_random_uuid()))).*
           FROM applications a, generate_series(1, 2000) WHERE a.id = $1
         RETURNING id)
       INSERT INTO tasks
       SELECT (jsonb_populate_record(NULL::tasks,
                 to_jsonb(t) || jsonb_build_object('id', gen_random_uuid(), 'application_id', o.id))).*
         FROM others o, tasks t WHERE t.application_id = $1`,
      [submitted.body.id],
    );
    await dataSource.query('ANALYZE tasks');
    const [first] = await tasksOf(submitted.body.id);
    sent = [];
    try {
      await context.get(TasksService).decide(officer('dept-first'), first.id, { outcome: 'approve' });
      const write = sent.find((s) => /^\s*WITH\s+app\b/.test(s.query));
      expect(write).toBeDefined();
      // The statement as PostgreSQL plans it for these values, and as the generic plan a prepared statement
      // settles on after a few executions.
      const runner = dataSource.createQueryRunner();
      try {
        await runner.query(`PREPARE explained AS ${write!.query}`);
        // EXECUTE, a utility statement, takes no bound parameters: the values go in as literals.
        const values = write!.parameters.map((v) => pg.escapeLiteral(String(v))).join(', ');
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          await runner.query(`SET plan_cache_mode = ${mode}`);
          const [{ 'QUERY PLAN': plan }] = (await runner.query(
            `EXPLAIN (FORMAT JSON) EXECUTE explained(${values})`,
          )) as [{ 'QUERY PLAN': unknown }];
          const scanned: string[] = [];
          const walk = (node: unknown): void => {
            if (Array.isArray(node)) return node.forEach(walk);
            if (node === null || typeof node !== 'object') return;
            const { 'Node Type': type, 'Relation Name': relation } = node as Record<string, unknown>;
            if (type === 'Seq Scan') scanned.push(String(relation));
            Object.values(node).forEach(walk);
          };
          walk(plan);
          expect({ mode, scanned }).toEqual({ mode, scanned: expect.not.arrayContaining(['tasks']) });
          expect(JSON.stringify(plan)).toContain('"Relation Name":"tasks"');
        }
      } finally {
        await runner.query('DEALLOCATE ALL').catch(() => undefined);
        await runner.query('RESET plan_cache_mode').catch(() => undefined);
        await runner.release();
      }
    } finally {
      sent = null;
    }
  });
});
