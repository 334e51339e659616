import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { verifyChain } from '../audit/hash-chain.util.js';
import { dueTime, remindAt } from '../calendar/calendar.util.js';
import { resolveDependencies, topologicalOrder } from '../definitions/definition-graph.util.js';
import type { StepDefinition, WorkflowDefinition } from '../definitions/definition.types.js';
import { isHistoryType } from './history-types.util.js';
import type { ApplicationState, Plan, PlanContext, PlanEvent, PlanWorkflow, TaskRow } from './plan.types.js';
import { lapseJobId, plan } from './plan.util.js';
import { buildWorkflowMachine, MAX_TOOLBOX_ACTS } from './workflow-machine.util.js';
import type { StepStatus } from './workflow-machine.util.js';

function step(id: string, extra: Partial<StepDefinition> = {}): StepDefinition {
  return { id, name: id, department: `dept-${id}`, timeLimit: { hours: 1 }, ...extra };
}

function compile(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): PlanWorkflow {
  const definition: WorkflowDefinition = {
    key: 'demo',
    name: 'Demo',
    form: { type: 'object' },
    facts: { registry: { url: 'http://127.0.0.1/{code}' } },
    steps,
    ...extra,
  };
  const dependencies = resolveDependencies(definition);
  const byId = new Map(steps.map((s) => [s.id, s]));
  return {
    key: 'demo',
    version: 1,
    definition,
    dependencies,
    order: topologicalOrder(definition),
    machine: buildWorkflowMachine(definition, 1, dependencies),
    step: (id) => byId.get(id)!,
  };
}

const T0 = new Date('2026-12-01T08:00:00.000Z');

let ids = 0;

function context(workflow: PlanWorkflow, now = T0, horizonMs = 60 * 60_000): PlanContext {
  return {
    workflow,
    now,
    timerHorizon: new Date(now.getTime() + horizonMs),
    due: (s, from) => dueTime(from, s.timeLimit),
    remindAt: (_s, before, dueAt) => remindAt(dueAt, before).remindAt,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
}

/** Applies a plan the way the executor does (insert, update, append), independently of `plan.state`. */
function applyPlan(state: ApplicationState | null, p: Plan): ApplicationState {
  if (!p.applied) return state!;
  const tasks = new Map((state?.tasks ?? []).map((t) => [t.id, t]));
  for (const row of p.insertTasks) {
    expect(tasks.has(row.id)).toBe(false);
    tasks.set(row.id, row);
  }
  for (const row of p.updateTasks) {
    expect(tasks.has(row.id)).toBe(true);
    tasks.set(row.id, row);
  }
  return { application: p.state.application, tasks: [...tasks.values()] };
}

const submit = (data: Record<string, unknown> = {}): PlanEvent => ({
  type: 'submit',
  applicationId: '11111111-1111-4111-8111-111111111111',
  applicant: 'ann',
  data,
});
const approve = (s: string, officer = 'alice', attempt = 1, produces = {}): PlanEvent => ({
  type: 'decide',
  step: s,
  attempt,
  officer,
  outcome: 'approve',
  comment: null,
  produces,
});

function run(workflow: PlanWorkflow, events: PlanEvent[], now = T0) {
  let state: ApplicationState | null = null;
  const plans: Plan[] = [];
  for (const event of events) {
    const p = plan(state, event, context(workflow, now));
    plans.push(p);
    state = applyPlan(state, p);
  }
  return { state: state!, plans };
}

const rowOf = (state: ApplicationState, s: string) => state.tasks.find((t) => t.step === s);
/** The steps a resubmission's plan reopened, sorted. */
const reopenedOf = (p: Plan) =>
  [...((p.history[0]!.detail as { reopened?: string[] }).reopened ?? [])].sort();
const types = (p: Plan) => p.history.map((h) => h.type);

describe('plan: one event, one plan', () => {
  const serial = compile([step('a'), step('b', { after: ['a'] })]);

  it('opens the steps without prerequisites at submission, with their due times and deadline jobs', () => {
    const { state, plans } = run(serial, [submit()]);
    const [p] = plans;
    expect(p!.insertApplication).toBe(true);
    expect(p!.insertTasks.map((t) => [t.step, t.status, t.attempt])).toEqual([['a', 'open', 1]]);
    expect(p!.insertTasks[0]!.dueAt).toEqual(new Date(T0.getTime() + 3600_000));
    expect(types(p!)).toEqual(['submitted', 'step_opened']);
    expect(p!.jobs.map((j) => j.queue)).toEqual(['deadlines']);
    // The job carries its instant, which the worker waits for should the queue hand it over early.
    expect(p!.jobs[0]!.data.at).toBe(new Date(T0.getTime() + 3600_000).toISOString());
    expect(p!.jobs[0]!.runAt).toEqual(new Date(T0.getTime() + 3600_000));
    expect(state.application).toMatchObject({ revision: 1, status: 'in_review', historySeq: 2 });
    expect(state.application.expectedBy).toEqual(new Date(T0.getTime() + 2 * 3600_000));
  });

  it('closes the decided task and opens its dependant in one plan, with one revision more', () => {
    const { state, plans } = run(serial, [submit(), approve('a')]);
    const p = plans[1]!;
    expect(p.updateTasks.map((t) => [t.step, t.status, t.decidedBy, t.decidedByOfficer])).toEqual([
      ['a', 'approved', 'officer', 'alice'],
    ]);
    expect(p.insertTasks.map((t) => t.step)).toEqual(['b']);
    expect(types(p)).toEqual(['decided', 'step_opened']);
    expect(state.application.revision).toBe(2);
  });

  it('plans nothing for an event that no longer applies', () => {
    const { state } = run(serial, [submit(), approve('a')]);
    const again = plan(state, approve('a', 'bob'), context(serial));
    expect(again).toMatchObject({ applied: false, insertTasks: [], updateTasks: [], history: [], jobs: [] });
    const oldAttempt = plan(
      state,
      { type: 'timeout', step: 'b', attempt: 7 },
      context(serial, new Date('2030-01-01')),
    );
    expect(oldAttempt.applied).toBe(false);
  });

  it('leaves a timer job of a superseded attempt or of a decided step without effect', () => {
    const escalating = compile([step('a', { onTimeout: 'approve' })]);
    const { state } = run(escalating, [submit(), approve('a')]);
    const late = new Date(T0.getTime() + 2 * 3600_000);
    expect(plan(state, { type: 'timeout', step: 'a', attempt: 1 }, context(escalating, late)).applied).toBe(
      false,
    );
    expect(plan(state, { type: 'remind', step: 'a', attempt: 1 }, context(escalating, late)).applied).toBe(
      false,
    );
  });

  it('ignores a deadline job that fires well before the due time: the database says when a step is due', () => {
    const deemed = compile([step('a', { onTimeout: 'approve' })]);
    const { state } = run(deemed, [submit()]);
    const early = plan(
      state,
      { type: 'timeout', step: 'a', attempt: 1 },
      context(deemed, new Date(T0.getTime() + 60_000)),
    );
    expect(early.applied).toBe(false);
    const due = plan(
      state,
      { type: 'timeout', step: 'a', attempt: 1 },
      context(deemed, new Date(T0.getTime() + 3600_000)),
    );
    expect(due.applied).toBe(true);
    expect(types(due)).toEqual(['deemed_approved', 'application_approved']);
    expect(due.state.tasks[0]).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
  });

  it('ignores a reminder job that fires well before its time, or for a step that opened too late for one', () => {
    const reminding = compile([step('a', { timeLimit: { hours: 2 }, remindBefore: { hours: 1 } })]);
    const { state } = run(reminding, [submit()]);
    const remind = { type: 'remind', step: 'a', attempt: 1 } as const;
    expect(plan(state, remind, context(reminding, new Date(T0.getTime() + 60_000))).applied).toBe(false);
    const due = plan(state, remind, context(reminding, new Date(T0.getTime() + 3600_000)));
    expect(types(due)).toEqual(['reminded']);
    expect(due.state.tasks[0]).toMatchObject({ status: 'open', reminded: true });

    // Reminded an hour before a step due in thirty minutes: the reminder would fall before the step opened.
    const late = compile([step('a', { timeLimit: { minutes: 30 }, remindBefore: { hours: 1 } })]);
    const opened = run(late, [submit()]).state;
    expect(opened.tasks[0]!.remindAt).toBeNull();
    expect(plan(opened, remind, context(late, new Date(T0.getTime() + 20 * 60_000))).applied).toBe(false);
  });

  it('enqueues only the timers that fall due within the horizon', () => {
    const far = compile([
      step('soon', { timeLimit: { minutes: 5 } }),
      step('later', { timeLimit: { hours: 48 }, remindBefore: { hours: 1 } }),
    ]);
    const p = plan(null, submit(), context(far, T0, 10 * 60_000));
    expect(p.jobs.map((j) => [j.queue, j.data.step])).toEqual([['deadlines', 'soon']]);
    expect(p.insertTasks.find((t) => t.step === 'later')!.remindAt).not.toBeNull();
  });

  it('publishes produced values only when the countersigned step is approved', () => {
    const signed = compile([step('a', { signoff: 2, produces: ['no'] })]);
    const first = run(signed, [submit(), approve('a', 'alice', 1, { no: 1 })]);
    expect(first.state.application.produced).toEqual({});
    expect(rowOf(first.state, 'a')!.signoffs.map((s) => s.officer)).toEqual(['alice']);
    // A countersignature signs for the values the first signature produced, not for values of its own.
    expect(plan(first.state, approve('a', 'bob', 1, { no: 2 }), context(signed)).applied).toBe(false);
    // A first signature kept before its values were (a snapshot without signedValues) binds no one.
    const { signedValues: _kept, ...older } = first.state.application.snapshot.context as Record<
      string,
      unknown
    >;
    const before = {
      ...first.state,
      application: {
        ...first.state.application,
        snapshot: { ...first.state.application.snapshot, context: older },
      },
    };
    expect(plan(before, approve('a', 'bob', 1, { no: 2 }), context(signed)).applied).toBe(true);
    const second = run(signed, [
      submit(),
      approve('a', 'alice', 1, { no: 1 }),
      approve('a', 'bob', 1, { no: 1 }),
    ]);
    expect(second.state.application.produced).toEqual({ no: 1 });
    expect(rowOf(second.state, 'a')).toMatchObject({ status: 'approved', decidedByOfficer: 'bob' });
  });

  it('cancels every open task when the applicant withdraws, and records each', () => {
    const parallel = compile([step('a'), step('b'), step('c', { after: ['a'] })]);
    const { state, plans } = run(parallel, [submit(), { type: 'withdraw', applicant: 'ann' }]);
    expect(state.tasks.map((t) => [t.step, t.status, t.decidedBy])).toEqual([
      ['a', 'cancelled', null],
      ['b', 'cancelled', null],
    ]);
    expect(types(plans[1]!)).toEqual([
      'withdrawn',
      'step_cancelled',
      'step_cancelled',
      'step_cancelled',
      'application_withdrawn',
    ]);
    expect(state.application.decidedAt).toEqual(T0);
    expect(state.application.expectedBy).toBeNull();
  });
});

describe('plan: rules without facts run inside the event', () => {
  const chain = compile([
    step('small', { autoApprove: { '<=': [{ var: 'seats' }, 20] } }),
    step('registered', {
      after: ['small'],
      autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
    }),
    step('final', { after: ['registered'], autoApprove: true }),
    step('officer'),
  ]);

  it('approves a clear-cut step at submission, before any officer sees it, and queues only the fact rule', () => {
    const p = plan(null, submit({ seats: 5 }), context(chain));
    expect(p.insertTasks.map((t) => [t.step, t.status, t.decidedBy, t.rulePending])).toEqual([
      ['small', 'approved', 'rule', false],
      ['officer', 'open', null, false],
      ['registered', 'open', null, true],
    ]);
    expect(types(p)).toEqual(['submitted', 'step_opened', 'step_opened', 'rule_approved', 'step_opened']);
    expect(p.history.find((h) => h.type === 'rule_approved')!.detail).toEqual({
      attempt: 1,
      rule: { '<=': [{ var: 'seats' }, 20] },
      read: { seats: 5 },
      facts: {},
      result: true,
    });
    expect(p.jobs.filter((j) => j.queue === 'rules').map((j) => j.data.step)).toEqual(['registered']);
  });

  it('cascades: a fact rule approving opens a step whose rule needs no facts, decided in the same plan', () => {
    const { state } = run(chain, [submit({ seats: 5 })]);
    const registered = rowOf(state, 'registered')!;
    const p = plan(
      state,
      {
        type: 'rule',
        step: 'registered',
        attempt: registered.attempt,
        holds: true,
        detail: { result: true },
      },
      context(chain),
    );
    expect(types(p)).toEqual(['rule_approved', 'step_opened', 'rule_approved']);
    expect(p.state.tasks.filter((t) => t.status === 'approved').map((t) => t.step)).toEqual([
      'small',
      'registered',
      'final',
    ]);
    expect(p.jobs.filter((j) => j.queue === 'rules')).toEqual([]);
  });

  it('leaves a step whose rule does not hold with its officers, in the inbox', () => {
    const p = plan(null, submit({ seats: 200 }), context(chain));
    expect(p.insertTasks.find((t) => t.step === 'small')).toMatchObject({
      status: 'open',
      rulePending: false,
    });
    expect(types(p)).toContain('rule_not_held');
  });

  it('approves a step that needs two signatures by rule with none: the rule stands for the department', () => {
    const countersigned = compile([
      step('joint', { signoff: 2, autoApprove: { '<': [{ var: 'seats' }, 10] } }),
    ]);
    const p = plan(null, submit({ seats: 5 }), context(countersigned));
    expect(p.insertTasks.map((t) => [t.step, t.status, t.decidedBy])).toEqual([
      ['joint', 'approved', 'rule'],
    ]);
    expect(p.state.application.status).toBe('approved');
  });

  describe('rules the meter stops', () => {
    const acc = { var: 'accumulator' };
    /** Each doubling of the accumulator doubles what the rule spends: 18 pass one rule's limit, 15 spend half. */
    const doubling = (times: number) => ({
      reduce: [Array.from({ length: times }, () => 1), { merge: [acc, acc] }, [1]],
    });

    it('keeps a step whose `when` it stopped, and leaves one whose `autoApprove` it stopped to the officers', () => {
      const wf = compile([
        step('costly-when', { when: { '!': doubling(18) } }),
        step('costly-rule', { autoApprove: { '!!': doubling(18) } }),
      ]);
      const p = plan(null, submit(), context(wf));
      expect(p.insertTasks.map((t) => [t.step, t.status])).toEqual([
        ['costly-when', 'open'],
        ['costly-rule', 'open'],
      ]);
      expect(p.history[0]!.detail).toMatchObject({ skipped: [], undecided: ['costly-when'] });
      expect(p.history.find((h) => h.type === 'rule_not_held')!.detail).toMatchObject({
        result: false,
        stopped: true,
      });
    });

    it("bounds what one event's rules spend together: past RULE_EVENT_LIMIT the rest are undecided", () => {
      // Each `when` spends about half of one rule's limit and is false: alone, each would skip its step.
      const wf = compile(
        Array.from({ length: 20 }, (_v, i) => step(`s${i}`, { when: { '!': doubling(15) } })),
      );
      const p = plan(null, submit(), context(wf));
      const { skipped, undecided } = p.history[0]!.detail as { skipped: string[]; undecided: string[] };
      expect(skipped.length).toBeGreaterThan(0);
      expect(undecided.length).toBeGreaterThan(0);
      expect([...skipped, ...undecided]).toEqual(Array.from({ length: 20 }, (_v, i) => `s${i}`));
      // The first ones were decided, and the undecided ones are the rest, in order.
      expect(skipped).toEqual(Array.from({ length: skipped.length }, (_v, i) => `s${i}`));
      expect(p.insertTasks.map((t) => t.step)).toEqual(undecided);
    });

    it('leaves the everyday submission as it was: nothing undecided, no stopped mark', () => {
      const p = plan(null, submit({ seats: 5 }), context(chain));
      expect(p.history[0]!.detail).not.toHaveProperty('undecided');
      expect(p.history.some((h) => 'stopped' in h.detail)).toBe(false);
    });
  });

  it('decides a chain of steps by rule with one statechart snapshot, not a transition and a snapshot per step', () => {
    // Each step waits for the one before and approves by rule: one submission decides all of them. As a transition
    // and a resolved snapshot each, 200 such steps took 0.4 s of the event loop, on every such submission.
    const long = compile(
      Array.from({ length: 30 }, (_v, i) =>
        step(`s${i}`, { after: i === 0 ? [] : [`s${i - 1}`], autoApprove: { '<': [{ var: 'n' }, 5] } }),
      ),
    );
    const { machine } = long;
    const transition = jest.spyOn(machine, 'transition');
    const resolveState = jest.spyOn(machine, 'resolveState');
    plan(null, submit({ n: 1 }), context(long)); // the first state, computed once per machine and shared
    resolveState.mockClear();
    const p = plan(null, submit({ n: 1 }), context(long));
    expect(p.state.application.status).toBe('approved');
    expect(types(p).filter((t) => t === 'rule_approved')).toHaveLength(30);
    expect(transition).not.toHaveBeenCalled();
    expect(resolveState).toHaveBeenCalledTimes(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: whatever events arrive, in whatever order, task rows and the snapshot agree.

const propertyWorkflow = compile(
  [
    step('a', { signoff: 2 }),
    step('b', { onTimeout: 'approve', remindBefore: { minutes: 10 } }),
    step('c', {
      after: ['a'],
      onTimeout: 'escalate',
      autoApprove: { '==': [{ var: 'facts.registry.ok' }, true] },
    }),
    step('d', { after: ['b'], autoApprove: { '<': [{ var: 'n' }, 5] }, onTimeout: 'reject' }),
    step('e', { after: ['c', 'd'], when: { '!=': [{ var: 'n' }, 3] }, fields: ['m'] }),
  ],
  { correctionWindow: { minutes: 30 } },
);
const STEPS = ['a', 'b', 'c', 'd', 'e'];
const stepArb = fc.constantFrom(...STEPS);
/** 0 stands for the step's current attempt, resolved against the state when the event is sent. */
const CURRENT = 0;
const attemptArb = fc.constantFrom(CURRENT, CURRENT, CURRENT, 1, 2);
const officerArb = fc.constantFrom('alice', 'bob', 'carol');

const eventArb: fc.Arbitrary<PlanEvent> = fc.oneof(
  fc.record({
    type: fc.constant('decide' as const),
    step: fc.constantFrom(...STEPS),
    attempt: fc.constantFrom(1, 1, 1, 2),
    officer: fc.constantFrom('alice', 'bob', 'carol'),
    outcome: fc.constantFrom('approve' as const, 'approve' as const, 'reject' as const),
    comment: fc.option(fc.constantFrom('ok', 'see notes'), { nil: null }),
    produces: fc.constant({}),
  }),
  fc.record({
    type: fc.constant('timeout' as const),
    step: fc.constantFrom(...STEPS),
    attempt: fc.constantFrom(1, 2),
  }),
  fc.record({
    type: fc.constant('remind' as const),
    step: fc.constantFrom(...STEPS),
    attempt: fc.constantFrom(1, 2),
  }),
  fc.record({
    type: fc.constant('rule' as const),
    step: fc.constantFrom(...STEPS),
    attempt: fc.constant(1),
    holds: fc.boolean(),
    detail: fc.constant({}),
  }),
  // A withdrawal ends the sequence: rarer, so that corrections have room to happen.
  { arbitrary: fc.constant<PlanEvent>({ type: 'withdraw', applicant: 'ann' }), weight: 1 },
  // Return for correction, resubmission, lapse and the officer's toolbox.
  {
    arbitrary: fc.record({
      type: fc.constant('decide' as const),
      step: stepArb,
      attempt: attemptArb,
      officer: officerArb,
      outcome: fc.constant('return' as const),
      comment: fc.constant('fix it'),
      produces: fc.constant({}),
      fields: fc.constant<string[]>(['m']),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('decide' as const),
      step: stepArb,
      attempt: attemptArb,
      officer: officerArb,
      outcome: fc.constant('approve' as const),
      comment: fc.constant(null),
      produces: fc.constant({}),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('resubmit' as const),
      applicant: fc.constant('ann'),
      data: fc.record({ n: fc.integer({ min: 0, max: 6 }), m: fc.constantFrom('x', 'y') }),
    }),
    weight: 3,
  },
  fc.record({ type: fc.constant('lapse' as const), round: fc.constantFrom(0, 1, 2) }),
  fc.record({ type: fc.constant('claim' as const), step: stepArb, attempt: attemptArb, officer: officerArb }),
  fc.record({
    type: fc.constant('release' as const),
    step: stepArb,
    attempt: attemptArb,
    officer: officerArb,
    admin: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('transfer' as const),
    step: stepArb,
    attempt: attemptArb,
    by: officerArb,
    to: fc.constantFrom('alice', 'dave'),
    admin: fc.boolean(),
    comment: fc.constant(null),
  }),
  fc.record({
    type: fc.constant('signers' as const),
    step: stepArb,
    attempt: attemptArb,
    officer: officerArb,
    required: fc.integer({ min: 1, max: 4 }),
  }),
);

function checkAgreement(state: ApplicationState, plans: Plan[]): void {
  const snapshot = state.application.snapshot as {
    value: { steps: Record<string, StepStatus>; application: string };
    context: {
      attempts: Record<string, number>;
      signoffs: Record<string, string[]>;
      overdue: Record<string, boolean>;
      reminded: Record<string, boolean>;
      ruleChecked: Record<string, boolean>;
      claims?: Record<string, string>;
      required?: Record<string, number>;
      skipped: string[];
    };
  };
  const { steps, application } = snapshot.value;
  const ctx = snapshot.context;
  expect(state.application.status).toBe(application);
  // The context's list of skipped steps follows their status: a correction that opens one takes it off.
  expect(STEPS.filter((id) => steps[id] === 'skipped')).toEqual(
    STEPS.filter((id) => ctx.skipped.includes(id)),
  );
  for (const id of STEPS) {
    const status = steps[id]!;
    const current = state.tasks.filter((t) => t.step === id && t.attempt === (ctx.attempts[id] ?? 1));
    expect(current.length).toBeLessThanOrEqual(1);
    expect(state.tasks.filter((t) => t.step === id && t.status === 'open').length).toBeLessThanOrEqual(1);
    const row: TaskRow | undefined = current[0];
    if (status === 'open') expect(row).toBeDefined();
    if (status === 'blocked' || status === 'skipped') expect(row).toBeUndefined();
    if (!row) continue;
    expect(row.status).toBe(status);
    expect(row.overdue).toBe(ctx.overdue[id] === true);
    expect(row.reminded).toBe(ctx.reminded[id] === true);
    expect(row.signoffs.map((s) => s.officer)).toEqual(ctx.signoffs[id] ?? []);
    const rule = propertyWorkflow.step(id).autoApprove;
    expect(row.rulePending).toBe(status === 'open' && rule !== undefined && ctx.ruleChecked[id] !== true);
    expect(row.decidedAt === null).toBe(status === 'open');
    if (status !== 'open' && row.decidedBy === null)
      expect(['cancelled', 'approved', 'rejected']).toContain(status);
    if (row.decidedBy === 'officer') expect(row.decidedByOfficer).not.toBeNull();
    expect(row.claimedBy).toBe(ctx.claims?.[id] ?? null);
    expect(row.signoffRequired).toBe(ctx.required?.[id] ?? null);
    // Earlier attempts are history: never open once superseded.
    for (const old of state.tasks.filter((t) => t.step === id && t.attempt < (ctx.attempts[id] ?? 1)))
      expect(old.status).not.toBe('open');
  }
  // The application's status follows from its steps': one rejection ends it, and an ended one leaves nothing live.
  const statuses = Object.values(steps);
  expect(statuses.includes('rejected')).toBe(application === 'rejected');
  if (['rejected', 'withdrawn', 'lapsed'].includes(application))
    expect(statuses.filter((s) => s === 'open' || s === 'blocked' || s === 'returned')).toEqual([]);
  expect(statuses.every((s) => s === 'approved' || s === 'skipped')).toBe(application === 'approved');
  // Waiting for the applicant: one open stretch and a lapse time exactly while a correction is awaited.
  const awaiting = state.application.status === 'correction_requested';
  expect(state.application.waiting.filter((w) => w.to === null).length).toBe(awaiting ? 1 : 0);
  expect(state.application.correctionDueAt !== null).toBe(awaiting);
  if (awaiting) expect(Object.values(steps)).not.toContain('open');
  const history = plans.flatMap((p) => p.history);
  expect(history.map((h) => h.seq)).toEqual(history.map((_h, i) => i + 1));
  // Webhooks subscribe by type: every type written is one the catalogue names.
  expect(history.map((h) => h.type).filter((type) => !isHistoryType(type))).toEqual([]);
  expect(state.application.historySeq).toBe(history.length);
  const verified = verifyChain(
    history.map(({ applicationId: _id, ...h }) => ({ ...h, at: h.at.toISOString() })),
  );
  expect(verified).toMatchObject({ valid: true, head: state.application.historyHash });
  const applied = plans.filter((p) => p.applied).length;
  expect(state.application.revision).toBe(applied);
}

function currentAttempt(event: PlanEvent, state: ApplicationState | null): PlanEvent {
  if (!('attempt' in event) || event.attempt !== CURRENT || !('step' in event) || !state) return event;
  const attempts = (state.application.snapshot.context as { attempts: Record<string, number> }).attempts;
  return { ...event, attempt: attempts[event.step] ?? 1 };
}

describe('plan: property', () => {
  it('keeps task rows and the snapshot in agreement over any sequence of events, planning alike from a revived snapshot', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 4 * 3600 })), { maxLength: 40 }),
        (n, events) => {
          let state: ApplicationState | null = null;
          const plans: Plan[] = [];
          let now = T0;
          for (const [sent, advance] of [[submit({ n }), 0] as const, ...events]) {
            now = new Date(now.getTime() + advance * 1000);
            const event = currentAttempt(sent, state);
            const idsBefore = ids;
            const p = plan(state, event, context(propertyWorkflow, now));
            // From a copy, whose snapshot is revived as one read from the database is, rather than continued
            // from the statechart snapshot the last plan left: the same plan, new ids included.
            ids = idsBefore;
            expect(plan(structuredClone(state), event, context(propertyWorkflow, now))).toEqual(p);
            plans.push(p);
            state = applyPlan(state, p);
            checkAgreement(state, plans);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Return for correction, resubmission, the correction window and the officer's toolbox.

const returnFor = (s: string, attempt = 1, fields = ['m'], officer = 'alice'): PlanEvent => ({
  type: 'decide',
  step: s,
  attempt,
  officer,
  outcome: 'return',
  comment: `fix ${s}`,
  produces: {},
  fields,
});

describe('plan: return for correction and resubmission', () => {
  const wf = compile(
    [
      step('reads-m', { fields: ['m'] }),
      step('reads-k', { fields: ['k'] }),
      step('needs-m', { fields: ['k'], needs: ['m'] }),
      step('sees-all', { signoff: 2 }),
      step('later', { after: ['reads-k'], fields: ['k'] }),
    ],
    { correctionWindow: { minutes: 10 } },
  );
  const data = { m: 1, k: 1 };

  it('keeps the application in review while another step is open, then asks for every correction at once', () => {
    const { state, plans } = run(wf, [
      submit(data),
      returnFor('reads-m'),
      approve('reads-k'),
      approve('needs-m'),
      approve('later'),
    ]);
    expect(plans[1]!.state.application.status).toBe('in_review');
    expect(rowOf(plans[1]!.state, 'reads-m')).toMatchObject({
      status: 'returned',
      decidedBy: 'officer',
      comment: 'fix reads-m',
    });
    expect(state.application.status).toBe('in_review');
    // One signature of two, then a return: one return decides a countersigned step.
    const done = run(wf, [
      submit(data),
      returnFor('reads-m'),
      approve('reads-k'),
      approve('needs-m'),
      approve('later'),
      approve('sees-all', 'alice'),
      returnFor('sees-all', 1, ['k'], 'bob'),
    ]);
    const last = done.plans[6]!;
    expect(types(last)).toEqual(['decided', 'application_correction_requested']);
    expect(done.state.application).toMatchObject({
      status: 'correction_requested',
      expectedBy: null,
      correctionDueAt: new Date(T0.getTime() + 10 * 60_000),
      waiting: [{ from: T0.toISOString(), to: null }],
    });
    expect(last.jobs).toEqual([
      expect.objectContaining({
        queue: 'deadlines',
        id: lapseJobId(done.state.application.id, 0),
        data: expect.objectContaining({ kind: 'lapse', at: new Date(T0.getTime() + 600_000).toISOString() }),
        runAt: new Date(T0.getTime() + 600_000),
      }),
    ]);
  });

  it('reopens the returned steps and the approved steps that read a changed value, as new attempts', () => {
    const base = [
      submit(data),
      returnFor('reads-m'),
      approve('reads-k'),
      approve('needs-m'),
      approve('later'),
      approve('sees-all', 'alice'),
      approve('sees-all', 'bob'),
    ];
    const later = new Date(T0.getTime() + 5 * 60_000);
    const { state } = run(wf, base);
    expect(state.application.status).toBe('correction_requested');
    const p = plan(state, { type: 'resubmit', applicant: 'ann', data: { m: 2, k: 1 } }, context(wf, later));
    expect(p.applied).toBe(true);
    expect(p.dataChanged).toBe(true);
    expect(p.state.application.data).toEqual({ m: 2, k: 1 });
    // reads-m was returned; needs-m and sees-all read m; reads-k and later did not and stand.
    expect(p.insertTasks.map((t) => [t.step, t.attempt, t.status, t.openedAt])).toEqual([
      ['reads-m', 2, 'open', later],
      ['needs-m', 2, 'open', later],
      ['sees-all', 2, 'open', later],
    ]);
    expect(p.updateTasks).toEqual([]);
    expect(p.insertTasks.every((t) => t.dueAt.getTime() === later.getTime() + 3600_000)).toBe(true);
    expect(p.history[0]!).toMatchObject({
      type: 'resubmitted',
      detail: { round: 1, changed: ['m'], reopened: ['reads-m', 'needs-m', 'sees-all'] },
    });
    expect(types(p)).toContain('application_in_review');
    expect(p.state.application).toMatchObject({
      status: 'in_review',
      correctionDueAt: null,
      waiting: [{ from: T0.toISOString(), to: later.toISOString() }],
    });
    expect(p.jobs.map((j) => j.data.step)).toEqual(['reads-m', 'needs-m', 'sees-all']);
    // Countersigning starts again on the new attempt.
    expect(
      rowOf(p.state, 'sees-all') &&
        p.state.tasks.find((t) => t.step === 'sees-all' && t.attempt === 2)!.signoffs,
    ).toEqual([]);
    // The first attempt's timers no longer do anything, even past its due time.
    const late = new Date(T0.getTime() + 2 * 3600_000);
    expect(plan(p.state, { type: 'timeout', step: 'reads-m', attempt: 1 }, context(wf, late)).applied).toBe(
      false,
    );
    expect(plan(p.state, { type: 'lapse', round: 0 }, context(wf, late)).applied).toBe(false);
  });

  describe('what a correction reopens, and the skipped steps it leaves skipped', () => {
    const venue = compile([
      step('licence', { fields: ['name'] }),
      step('alcohol', { fields: ['name'], when: { '==': [{ var: 'sellsAlcohol' }, true] } }),
      // Neither reads `seats` or `code` through its fields: only through its rule.
      step('small', { fields: ['address'], autoApprove: { '<': [{ var: 'seats' }, 50] } }),
      step('registered', {
        fields: ['address'],
        autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
      }),
    ]);
    /** Submitted, its fact rule held, then the licence returned (with `before` decided in between). */
    const returned = ({
      workflow = venue,
      sellsAlcohol = false,
      before = [],
    }: { workflow?: PlanWorkflow; sellsAlcohol?: boolean; before?: PlanEvent[] } = {}) =>
      run(workflow, [
        submit({ name: 'Bar', seats: 10, sellsAlcohol, code: 'A1' }),
        { type: 'rule', step: 'registered', attempt: 1, holds: true, detail: { result: true } },
        ...before,
        returnFor('licence', 1, ['name']),
      ]).state;
    const resubmit = (data: Record<string, unknown>): PlanEvent => ({
      type: 'resubmit',
      applicant: 'ann',
      data,
    });

    it('reopens a step its rule approved when a value the rule read changes, and decides it again', () => {
      const p = plan(
        returned(),
        resubmit({ name: 'Bar', seats: 5000, sellsAlcohol: false, code: 'A1' }),
        context(venue),
      );
      expect(p.history[0]!.detail).toMatchObject({ changed: ['seats'], reopened: ['licence', 'small'] });
      // Its rule no longer holds for 5,000 seats: the step is now the officers'.
      expect(p.state.tasks.find((t) => t.step === 'small' && t.attempt === 2)).toMatchObject({
        status: 'open',
      });
      expect(types(p)).toContain('rule_not_held');
      // A change the rule does not read leaves its approval standing.
      const renamed = plan(
        returned(),
        resubmit({ name: 'Pub', seats: 10, sellsAlcohol: false, code: 'A1' }),
        context(venue),
      );
      expect(renamed.history[0]!.detail).toMatchObject({ changed: ['name'], reopened: ['licence'] });
    });

    it("reopens a step whose fact rule's lookup reads a changed field (the fact's URL carries it)", () => {
      const withFact = compile(venue.definition.steps, {
        facts: { registry: { url: 'http://127.0.0.1/companies/{code}' } },
      });
      const state = returned({ workflow: withFact });
      const p = plan(
        state,
        resubmit({ name: 'Bar', seats: 10, sellsAlcohol: false, code: 'B2' }),
        context(withFact),
      );
      expect(p.history[0]!.detail).toMatchObject({ changed: ['code'], reopened: ['licence', 'registered'] });
      expect(p.jobs.filter((j) => j.queue === 'rules').map((j) => j.data.step)).toEqual(['registered']);
    });

    it('keeps a step skipped at submission skipped when its `when` holds for the corrected data, and names it', () => {
      const p = plan(
        returned(),
        resubmit({ name: 'Bar', seats: 10, sellsAlcohol: true, code: 'A1' }),
        context(venue),
      );
      expect(p.history[0]!.detail).toMatchObject({
        changed: ['sellsAlcohol'],
        reopened: ['licence'],
        stillSkipped: ['alcohol'],
      });
      expect(p.insertTasks.map((t) => [t.step, t.attempt, t.status])).toEqual([['licence', 2, 'open']]);
      expect((p.state.application.snapshot.value as { steps: Record<string, string> }).steps.alcohol).toBe(
        'skipped',
      );
      // Approving the licence again approves the application: the alcohol review never takes part.
      const done = plan(p.state, approve('licence', 'alice', 2), context(venue));
      expect(done.state.application.status).toBe('approved');
    });

    it('leaves standing an approved step behind a skipped step whose `when` now holds', () => {
      const served = compile([
        step('licence', { fields: ['name'] }),
        step('alcohol', { fields: ['name'], when: { '==': [{ var: 'sellsAlcohol' }, true] } }),
        // Waits for the alcohol review; with it skipped, it opened at once and was approved.
        step('serving', { after: ['alcohol'], fields: ['address'] }),
      ]);
      const state = run(served, [
        submit({ name: 'Bar', sellsAlcohol: false }),
        approve('serving'),
        returnFor('licence', 1, ['name']),
      ]).state;
      const p = plan(state, resubmit({ name: 'Bar', sellsAlcohol: true }), context(served));
      expect(p.history[0]!.detail).toMatchObject({ reopened: ['licence'], stillSkipped: ['alcohol'] });
      expect(p.insertTasks.map((t) => [t.step, t.attempt])).toEqual([['licence', 2]]);
      expect(rowOf(p.state, 'serving')!.status).toBe('approved');
    });

    it('never skips a step after submission, whatever the correction makes of its `when`', () => {
      const state = returned({ sellsAlcohol: true, before: [approve('alcohol')] });
      const p = plan(
        state,
        resubmit({ name: 'Bar', seats: 10, sellsAlcohol: false, code: 'A1' }),
        context(venue),
      );
      expect(p.history[0]!.detail).toMatchObject({ changed: ['sellsAlcohol'], reopened: ['licence'] });
      expect(p.history[0]!.detail).not.toHaveProperty('stillSkipped');
      expect(rowOf(p.state, 'alcohol')!.status).toBe('approved');
    });
  });

  it('withdraws the values of a step a correction reopens: approved again by its rule, it carries none', () => {
    const issuing = compile([
      step('issue', {
        fields: ['seats'],
        produces: ['licenceNo'],
        autoApprove: { '<=': [{ var: 'seats' }, 20] },
      }),
      step('check', { fields: ['name'] }),
    ]);
    const returned = run(issuing, [
      submit({ name: 'Bar', seats: 50 }),
      approve('issue', 'alice', 1, { licenceNo: 'L-1' }),
      returnFor('check', 1, ['name']),
    ]).state;
    expect(returned.application.produced).toEqual({ licenceNo: 'L-1' });
    const p = plan(
      returned,
      { type: 'resubmit', applicant: 'ann', data: { name: 'Bar', seats: 10 } },
      context(issuing),
    );
    expect(p.history[0]!.detail).toMatchObject({ reopened: ['issue', 'check'] });
    expect(p.state.tasks.find((t) => t.step === 'issue' && t.attempt === 2)).toMatchObject({
      status: 'approved',
      decidedBy: 'rule',
    });
    expect(p.state.application.produced).toEqual({});
    // An officer's approval gives them anew.
    const again = run(issuing, [
      submit({ name: 'Bar', seats: 50 }),
      approve('issue', 'alice', 1, { licenceNo: 'L-1' }),
      returnFor('check', 1, ['name']),
      { type: 'resubmit', applicant: 'ann', data: { name: 'Bar', seats: 60 } },
      approve('issue', 'bob', 2, { licenceNo: 'L-2' }),
    ]).state;
    expect(again.application.produced).toEqual({ licenceNo: 'L-2' });
  });

  it('reopens the steps that need the values of a step a correction reopens, behind it, and the steps after them', () => {
    const chained = compile([
      step('issue', { fields: ['seats'], produces: ['licenceNo'] }),
      // Reads the licence number, not the seats: reopened only because the number it was given is withdrawn.
      step('register', { fields: ['name'], needs: ['licenceNo'], produces: ['registrationNo'] }),
      step('publish', { fields: ['name'], needs: ['registrationNo'] }),
      // Reads neither: its approval stands.
      step('check', { fields: ['name'] }),
    ]);
    const returned = run(chained, [
      submit({ name: 'Bar', seats: 50 }),
      approve('issue', 'alice', 1, { licenceNo: 'L-1' }),
      approve('register', 'bob', 1, { registrationNo: 'R-1' }),
      approve('publish', 'carol'),
      returnFor('check', 1, ['name']),
    ]).state;
    const p = plan(
      returned,
      { type: 'resubmit', applicant: 'ann', data: { name: 'Bar', seats: 60 } },
      context(chained),
    );
    expect(p.history[0]!.detail).toMatchObject({ changed: ['seats'] });
    expect(reopenedOf(p)).toEqual(['check', 'issue', 'publish', 'register']);
    expect(p.state.application.produced).toEqual({});
    const steps = (p.state.application.snapshot.value as { steps: Record<string, string> }).steps;
    expect([steps.issue, steps.register, steps.publish, steps.check]).toEqual([
      'open',
      'blocked',
      'blocked',
      'open',
    ]);
    // Each opens again as the one before gives its value anew.
    const issued = plan(p.state, approve('issue', 'alice', 2, { licenceNo: 'L-2' }), context(chained));
    expect(issued.state.tasks.find((t) => t.step === 'register' && t.attempt === 2)?.status).toBe('open');
    expect(issued.state.application.produced).toEqual({ licenceNo: 'L-2' });
    // A correction the producer does not read leaves the steps after it standing.
    const unread = run(chained, [
      submit({ name: 'Bar', seats: 50 }),
      approve('issue', 'alice', 1, { licenceNo: 'L-1' }),
      approve('register', 'bob', 1, { registrationNo: 'R-1' }),
      returnFor('publish', 1, ['name']),
      approve('check'),
    ]).state;
    const renamed = plan(
      unread,
      { type: 'resubmit', applicant: 'ann', data: { name: 'Pub', seats: 50 } },
      context(chained),
    );
    expect(reopenedOf(renamed)).toEqual(['check', 'publish', 'register']);
    expect(renamed.state.application.produced).toEqual({ licenceNo: 'L-1' });
  });

  it('reopens a step whose rule reads a value a reopened step produced, wherever the order puts it', () => {
    const ruled = compile([
      // First in the order: nothing orders it after the step whose value its rule reads.
      step('check', { fields: ['name'], autoApprove: { '!!': [{ var: 'licenceNo' }] } }),
      step('issue', { fields: ['seats'], produces: ['licenceNo'] }),
      step('other', { fields: ['name'] }),
    ]);
    const returned = run(ruled, [
      submit({ name: 'Bar', seats: 50 }),
      approve('check', 'carol'),
      approve('issue', 'alice', 1, { licenceNo: 'L-1' }),
      returnFor('other', 1, ['name']),
    ]).state;
    expect(ruled.order.indexOf('check')).toBeLessThan(ruled.order.indexOf('issue'));
    const p = plan(
      returned,
      { type: 'resubmit', applicant: 'ann', data: { name: 'Bar', seats: 60 } },
      context(ruled),
    );
    expect(reopenedOf(p)).toEqual(['check', 'issue', 'other']);
  });

  it('reopens a returned step behind a prerequisite it waits for again, and refuses a resubmission in review', () => {
    const serial = compile([
      step('first', { fields: ['m'] }),
      step('second', { after: ['first'], fields: ['k'] }),
    ]);
    const { state } = run(serial, [submit(data), approve('first'), returnFor('second', 1, ['k'])]);
    expect(state.application.status).toBe('correction_requested');
    const p = plan(state, { type: 'resubmit', applicant: 'ann', data: { m: 2, k: 2 } }, context(serial));
    expect(p.insertTasks.map((t) => [t.step, t.attempt])).toEqual([['first', 2]]);
    expect((p.state.application.snapshot.value as { steps: Record<string, string> }).steps.second).toBe(
      'blocked',
    );
    const again = plan(
      p.state,
      { type: 'resubmit', applicant: 'ann', data: { m: 3, k: 2 } },
      context(serial),
    );
    expect(again.applied).toBe(false);
  });

  it('lapses an application left past its correction window, once, and never early', () => {
    const { state } = run(wf, [
      submit(data),
      approve('reads-k'),
      approve('needs-m'),
      approve('later'),
      approve('sees-all', 'alice'),
      approve('sees-all', 'bob'),
      returnFor('reads-m'),
    ]);
    const early = plan(state, { type: 'lapse', round: 0 }, context(wf, new Date(T0.getTime() + 60_000)));
    expect(early.applied).toBe(false);
    const due = plan(state, { type: 'lapse', round: 0 }, context(wf, new Date(T0.getTime() + 600_000)));
    expect(types(due)).toEqual(['correction_lapsed', 'application_lapsed']);
    expect(rowOf(due.state, 'reads-m')!.status).toBe('cancelled');
    expect(due.state.application).toMatchObject({
      status: 'lapsed',
      correctionDueAt: null,
      expectedBy: null,
    });
    expect(
      plan(due.state, { type: 'lapse', round: 0 }, context(wf, new Date(T0.getTime() + 700_000))).applied,
    ).toBe(false);
  });
});

describe("plan: the officer's toolbox", () => {
  const wf = compile([step('a', { signoff: 1 })]);
  const claim = (officer: string): PlanEvent => ({ type: 'claim', step: 'a', attempt: 1, officer });
  const release = (officer: string, admin = false): PlanEvent => ({
    type: 'release',
    step: 'a',
    attempt: 1,
    officer,
    admin,
  });
  const signers = (required: number, officer = 'alice'): PlanEvent => ({
    type: 'signers',
    step: 'a',
    attempt: 1,
    officer,
    required,
  });

  it('gives a claimed step to its holder alone until released, and records each act', () => {
    const { state, plans } = run(wf, [submit(), claim('alice')]);
    expect(rowOf(state, 'a')!.claimedBy).toBe('alice');
    expect(types(plans[1]!)).toEqual(['claimed']);
    expect(plan(state, claim('bob'), context(wf)).applied).toBe(false);
    expect(plan(state, approve('a', 'bob'), context(wf)).applied).toBe(false);
    expect(plan(state, release('bob'), context(wf)).applied).toBe(false);
    const freed = plan(state, release('root', true), context(wf));
    expect(freed.updateTasks.map((t) => t.claimedBy)).toEqual([null]);
    expect(freed.history[0]).toMatchObject({
      type: 'released',
      actor: { role: 'admin', id: 'root' },
      detail: { holder: 'alice' },
    });
    expect(plan(freed.state, approve('a', 'bob'), context(wf)).applied).toBe(true);
  });

  it('hands a step over to a named officer, from its holder only', () => {
    const { state } = run(wf, [submit(), claim('alice')]);
    const transfer = (by: string, to: string): PlanEvent => ({
      type: 'transfer',
      step: 'a',
      attempt: 1,
      by,
      to,
      admin: false,
      comment: 'yours',
    });
    expect(plan(state, transfer('bob', 'carol'), context(wf)).applied).toBe(false);
    const p = plan(state, transfer('alice', 'carol'), context(wf));
    expect(p.history[0]).toMatchObject({
      type: 'transferred',
      detail: { from: 'alice', to: 'carol', comment: 'yours' },
    });
    expect(rowOf(p.state, 'a')!.claimedBy).toBe('carol');
    expect(plan(p.state, transfer('carol', 'carol'), context(wf)).applied).toBe(false);
  });

  it('raises the required signatures and never lowers them', () => {
    const { state } = run(wf, [submit(), signers(2)]);
    expect(rowOf(state, 'a')!.signoffRequired).toBe(2);
    expect(plan(state, signers(2), context(wf)).applied).toBe(false);
    expect(plan(state, signers(1), context(wf)).applied).toBe(false);
    const once = plan(state, approve('a', 'alice'), context(wf));
    expect(rowOf(once.state, 'a')!.status).toBe('open');
    expect(rowOf(plan(once.state, approve('a', 'bob'), context(wf)).state, 'a')!.status).toBe('approved');
  });

  it('bounds what officers claim, release and transfer of one attempt; an admin frees it, a decision ends it', () => {
    const loop = Array.from({ length: MAX_TOOLBOX_ACTS / 2 }, () => [
      claim('alice'),
      release('alice'),
    ]).flat();
    const { state, plans } = run(wf, [submit(), ...loop]);
    expect(plans.every((p) => p.applied)).toBe(true);
    expect(plan(state, claim('alice'), context(wf)).applied).toBe(false);
    // Held when the bound is reached: its holder can neither release it nor hand it on; an admin can.
    const toBob: PlanEvent = {
      type: 'transfer',
      step: 'a',
      attempt: 1,
      by: 'alice',
      to: 'bob',
      admin: false,
      comment: null,
    };
    const ninetyNine = [
      claim('alice'),
      ...Array.from({ length: 49 }, () => [release('alice'), claim('alice')]).flat(),
    ];
    const handed = run(wf, [submit(), ...ninetyNine, toBob]);
    expect(handed.plans.every((p) => p.applied)).toBe(true);
    const held = handed.state;
    expect(rowOf(held, 'a')!.claimedBy).toBe('bob');
    expect(plan(held, release('bob'), context(wf)).applied).toBe(false);
    expect(plan(held, { ...toBob, by: 'bob', to: 'carol' }, context(wf)).applied).toBe(false);
    const freed = plan(held, release('root', true), context(wf));
    expect(freed.applied).toBe(true);
    // The admin's act starts the count again, for every officer.
    expect(plan(freed.state, claim('carol'), context(wf)).applied).toBe(true);
    expect(plan(freed.state, approve('a', 'bob'), context(wf)).applied).toBe(true);
  });

  it('lets only the holder raise the signatures of a claimed step', () => {
    const { state } = run(wf, [submit(), claim('carol')]);
    expect(plan(state, signers(2, 'alice'), context(wf)).applied).toBe(false);
    const raised = plan(state, signers(2, 'carol'), context(wf));
    expect(raised.applied).toBe(true);
    expect(rowOf(raised.state, 'a')!.signoffRequired).toBe(2);
  });
});

describe('plan: property, corrections', () => {
  // Parallel steps, so that returns, resubmissions and lapses are frequent in random sequences.
  const wf = compile(
    [
      step('p', { signoff: 2, fields: ['m'] }),
      step('q', { fields: ['k'] }),
      step('r', { onTimeout: 'approve' }),
    ],
    { correctionWindow: { minutes: 30 } },
  );
  const ids = ['p', 'q', 'r'];
  const local = fc.constantFrom(...ids);
  const arb: fc.Arbitrary<PlanEvent> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('decide' as const),
        step: local,
        attempt: attemptArb,
        officer: officerArb,
        outcome: fc.constantFrom('approve' as const, 'approve' as const, 'return' as const),
        comment: fc.constant('c'),
        produces: fc.constant({}),
        fields: fc.constant<string[]>(['m']),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('resubmit' as const),
        applicant: fc.constant('ann'),
        data: fc.record({ m: fc.integer({ min: 0, max: 2 }), k: fc.integer({ min: 0, max: 2 }) }),
      }),
    },
    fc.record({ type: fc.constant('lapse' as const), round: fc.constantFrom(0, 1, 2) }),
    fc.record({ type: fc.constant('timeout' as const), step: local, attempt: attemptArb }),
    fc.record({ type: fc.constant('claim' as const), step: local, attempt: attemptArb, officer: officerArb }),
    fc.record({
      type: fc.constant('transfer' as const),
      step: local,
      attempt: attemptArb,
      by: officerArb,
      to: officerArb,
      admin: fc.boolean(),
      comment: fc.constant(null),
    }),
  );

  const returnP: PlanEvent = {
    type: 'decide',
    step: 'p',
    attempt: CURRENT,
    officer: 'alice',
    outcome: 'return',
    comment: 'c',
    produces: {},
    fields: ['m'],
  };
  const approve = (id: string): [PlanEvent, number] => [
    { ...returnP, step: id, outcome: 'approve', fields: [] },
    0,
  ];
  // A return (awaiting the parallel steps), a resubmission (reopening r, which reads every field), a second return and
  // its lapse: random sequences reach a lapse only now and then, and the coverage asserted below must not depend on
  // the draw.
  const everyCorrection: [PlanEvent, number][] = [
    [returnP, 0],
    approve('q'),
    approve('r'),
    [{ type: 'resubmit', applicant: 'ann', data: { m: 1, k: 0 } }, 60],
    [returnP, 0],
    approve('r'),
    [{ type: 'lapse', round: 1 }, 7 * 24 * 3600],
  ];

  it('keeps rows, snapshot, waiting time and attempts in agreement through returns and resubmissions', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arb, fc.integer({ min: 0, max: 3600 })), { maxLength: 40, size: 'large' }),
        (events) => {
          let state: ApplicationState | null = null;
          const plans: Plan[] = [];
          let now = T0;
          for (const [sent, advance] of [[submit({ m: 0, k: 0 }), 0] as const, ...events]) {
            now = new Date(now.getTime() + advance * 1000);
            const event = currentAttempt(sent, state);
            const p = plan(state, event, context(wf, now));
            plans.push(p);
            if (p.applied) seen.add(`${event.type}:${p.state.application.status}`);
            state = applyPlan(state, p);
            const { application } = state;
            const awaiting = application.status === 'correction_requested';
            expect(application.waiting.filter((w) => w.to === null).length).toBe(awaiting ? 1 : 0);
            expect(application.correctionDueAt !== null).toBe(awaiting);
            const attempts = (application.snapshot.context as { attempts: Record<string, number> }).attempts;
            for (const id of ids) {
              const rows = state.tasks.filter((t) => t.step === id);
              // One row per attempt, numbered from 1 without gaps; only the current one may be open.
              expect(rows.map((t) => t.attempt).sort()).toEqual(rows.map((_t, i) => i + 1));
              expect(rows.filter((t) => t.status === 'open').every((t) => t.attempt === attempts[id])).toBe(
                true,
              );
            }
            const history = plans.flatMap((x) => x.history);
            expect(
              verifyChain(history.map(({ applicationId: _a, ...h }) => ({ ...h, at: h.at.toISOString() }))),
            ).toMatchObject({ valid: true, head: application.historyHash });
          }
        },
      ),
      { numRuns: 150, examples: [[everyCorrection]] },
    );
    // The sequences did reach what this property is about.
    expect([...seen]).toEqual(
      expect.arrayContaining(['decide:correction_requested', 'resubmit:in_review', 'lapse:lapsed']),
    );
  });
});
