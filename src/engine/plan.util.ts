import { createHash } from 'node:crypto';
import { chainHash, GENESIS_HASH } from '../audit/hash-chain.util.js';
import type { Actor, HistoryEntry } from '../audit/hash-chain.util.js';
import { canonicalJson } from '../common/canonical-json.util.js';
import { changedPaths, pathsOverlap } from '../common/json-merge-patch.util.js';
import type { Duration, JsonLogic, StepDefinition } from '../definitions/definition.types.js';
import { ruleMeter, verdict } from '../rules/json-logic.util.js';
import type { RuleMeter } from '../rules/json-logic.util.js';
import { maskData, piiFieldPaths } from '../pii/pii-fields.util.js';
import { ruleDataPaths, valuesRead } from '../rules/rule.util.js';
import { expectedCompletion } from './expected-completion.util.js';
import type { EngineEntry } from './history-types.util.js';
import type {
  ApplicationRow,
  ApplicationState,
  HistoryRow,
  Plan,
  PlanContext,
  PlanEvent,
  PlannedJob,
  PlanWorkflow,
  TaskRow,
} from './plan.types.js';
import { projectTasks, readsFacts, taskKey } from './task-projection.util.js';
import type { Attribution } from './task-projection.util.js';
import { applyEvent, resolveChart, startApplication, takeRule } from './workflow-machine.util.js';
import type {
  ApplicationStatus,
  ChartState,
  EngineEvent,
  EngineResult,
  StepStatus,
} from './workflow-machine.util.js';

/** Statuses an application never leaves: its streams close and its steps are all settled. */
export const FINAL_STATUSES: readonly ApplicationStatus[] = ['approved', 'rejected', 'withdrawn', 'lapsed'];
const TIMER: Actor = { role: 'system', id: 'timer' };
const RULE: Actor = { role: 'system', id: 'rule' };
const ENGINE: Actor = { role: 'system', id: 'engine' };
/** A deadline job early by more than clock skew leaves the step to the sweep: the database says when it is due. */
export const EARLY_TOLERANCE_MS = 1000;

const TIMEOUT_HISTORY = {
  approve: 'deemed_approved',
  reject: 'rejected_on_timeout',
  escalate: 'escalated',
} as const;

type EventOf<T extends PlanEvent['type']> = Extract<PlanEvent, { type: T }>;

/** How one kind of event enters the statechart, the history and the task it decides. */
interface EventKind<E extends PlanEvent> {
  machine(event: E, application: ApplicationRow, workflow: PlanWorkflow): EngineEvent;
  entry(
    event: E,
    workflow: PlanWorkflow,
    task: TaskRow | undefined,
    application: ApplicationRow,
  ): EngineEntry;
  attribution(event: E): Attribution | null;
  /** Refuses an event the statechart would take but the rows say is not yet, or no longer, due. */
  stale?(event: E, task: TaskRow | undefined, now: Date, application: ApplicationRow): boolean;
}

const officer = (id: string): Actor => ({ role: 'officer', id });
/** Resubmissions so far: a correction window (and its lapse job) belongs to one round. */
export const correctionRound = (application: Pick<ApplicationRow, 'snapshot'>): number =>
  (application.snapshot.context as { round?: number } | undefined)?.round ?? 0;

/**
 * What a resubmission changes and reopens:
 * - `reopen`: every returned step, and every approved step that read a changed value through its `fields` (all form
 *   fields when it names none), its `needs`, or what its `autoApprove` rule reads (ruleDataPaths: a rule's approval
 *   must not outlive the values it was given). A value a reopened step produced counts as changed: it is withdrawn
 *   with the approval, so the steps that need it are decided again after it;
 * - `stillSkipped`: every step skipped at submission whose `when` no longer fails on the corrected data. `when` is
 *   evaluated once, at submission, and which departments take part does not drift (the contract), so these stay
 *   skipped; the history names them, so that a correction that would have brought a department in is on record.
 *   Their `when`s spend from a meter of their own (RULE_EVENT_LIMIT once more at most): they decide nothing, so
 *   they must not leave the reopened steps' rules less to run on.
 */
export function resubmission(
  application: Pick<ApplicationRow, 'data' | 'snapshot'>,
  data: Record<string, unknown>,
  { workflow }: { workflow: PlanWorkflow },
): Resubmission {
  const changed = changedPaths(application.data, data);
  const steps = statusesOf(application.snapshot);
  const touched = (paths: readonly string[] | null) =>
    paths === null ? changed.length > 0 : paths.some((p) => changed.some((c) => pathsOverlap(p, c)));
  const meter = ruleMeter();
  const stillSkipped = workflow.order.filter(
    (id) => steps[id] === 'skipped' && verdict(workflow.step(id).when, data, meter) !== 'fails',
  );
  // What each approved step reads, judged against the changed paths once: there are as many of those as the
  // applicant sends, so the cascade below must not compare them again on every pass. A step that names no `fields`
  // sees the whole form; a rule with a computed `var` may read anything, so any change reopens it.
  const approved = workflow.order
    .filter((id) => steps[id] === 'approved')
    .map((id) => {
      const step = workflow.step(id);
      const rule =
        step.autoApprove === undefined ? [] : ruleDataPaths(step.autoApprove, workflow.definition.facts);
      return {
        id,
        produces: step.produces ?? [],
        readsChange: touched(step.fields ?? null) || touched(step.needs ?? []) || touched(rule),
        values: [...(step.needs ?? []), ...(rule ?? [])].map((p) => p.split('.')[0]!),
      };
    });
  // A reopened step gives up the values it produced (applyKind), so a step that read one is decided again after it.
  // Until nothing more reopens: a rule may read a value produced by a step that comes after it in the order (only
  // `after` and `needs` order steps), so one pass could judge it before the producer gives its value up.
  const reopened = new Set(workflow.order.filter((id) => steps[id] === 'returned'));
  const withdrawn = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const step of approved) {
      if (reopened.has(step.id)) continue;
      if (!step.readsChange && !step.values.some((v) => withdrawn.has(v))) continue;
      reopened.add(step.id);
      for (const name of step.produces) withdrawn.add(name);
      grew = true;
    }
  }
  return {
    changed,
    reopen: workflow.order.filter((id) => reopened.has(id)),
    withdrawn: [...withdrawn],
    stillSkipped,
  };
}

export interface Resubmission {
  changed: string[];
  reopen: string[];
  /** The produced values the reopened steps give up with their approvals. */
  withdrawn: string[];
  stillSkipped: string[];
}

/** Each resubmit event's Resubmission, made once by its `machine` and read by its `entry`: its `when`s run once. */
const resubmissions = new WeakMap<PlanEvent, Resubmission>();

type EventKinds = { [T in Exclude<PlanEvent['type'], 'submit'>]: EventKind<EventOf<T>> };

const EVENT_KINDS: EventKinds = {
  decide: {
    machine: (e) => ({
      type: 'DECIDE',
      step: e.step,
      attempt: e.attempt,
      outcome: e.outcome,
      officer: e.officer,
      ...(e.outcome === 'return' ? { fields: e.fields ?? [] } : {}),
      ...(e.outcome === 'approve' ? { produces: e.produces } : {}),
    }),
    entry: (e) => ({
      actor: officer(e.officer),
      type: 'decided',
      step: e.step,
      detail: {
        outcome: e.outcome,
        attempt: e.attempt,
        comment: e.comment,
        produces: e.produces,
        ...(e.outcome === 'return' ? { fields: e.fields ?? [] } : {}),
      },
    }),
    attribution: (e) => ({ step: e.step, decidedBy: 'officer', officer: e.officer, comment: e.comment }),
  },
  timeout: {
    machine: (e) => ({ type: 'TIMEOUT', step: e.step, attempt: e.attempt }),
    entry: (e, workflow, task) => ({
      actor: TIMER,
      type: TIMEOUT_HISTORY[workflow.step(e.step).onTimeout ?? 'escalate'],
      step: e.step,
      detail: { attempt: e.attempt, dueAt: task?.dueAt.toISOString() ?? null },
    }),
    attribution: (e) => ({ step: e.step, decidedBy: 'timeout', officer: null, comment: null }),
    stale: (_e, task, now) =>
      !task || task.overdue || task.dueAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS,
  },
  resubmit: {
    machine: (e, application, workflow) => {
      const made = resubmission(application, e.data, { workflow });
      resubmissions.set(e, made);
      return { type: 'RESUBMIT', reopen: made.reopen };
    },
    entry: (e, workflow, _task, application) => {
      const made = resubmissions.get(e);
      // `machine` made it for this very event object, just before: anything else is a planner bug.
      if (made === undefined) throw new Error('a resubmission entry without its machine event');
      const { changed, reopen, stillSkipped } = made;
      return {
        actor: { role: 'applicant', id: e.applicant },
        type: 'resubmitted',
        detail: {
          round: correctionRound(application) + 1,
          changed,
          reopened: reopen,
          // Only when there is one: the other entries keep their shape.
          ...(stillSkipped.length > 0 ? { stillSkipped } : {}),
          dataHash: dataHash(e.data, workflow),
        },
      };
    },
    attribution: () => null,
  },
  lapse: {
    machine: (e) => ({ type: 'LAPSE', round: e.round }),
    entry: (e, _w, _t, application) => ({
      actor: TIMER,
      type: 'correction_lapsed',
      detail: { round: e.round, dueAt: application.correctionDueAt?.toISOString() ?? null },
    }),
    attribution: () => null,
    // Like a deadline: the row says when the window closes; a job early by more than clock skew waits for the sweep.
    stale: (_e, _task, now, application) =>
      application.correctionDueAt === null ||
      application.correctionDueAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS,
  },
  claim: {
    machine: (e) => ({ type: 'CLAIM', step: e.step, attempt: e.attempt, officer: e.officer }),
    entry: (e) => ({
      actor: officer(e.officer),
      type: 'claimed',
      step: e.step,
      detail: { attempt: e.attempt },
    }),
    attribution: () => null,
  },
  release: {
    machine: (e) => ({
      type: 'RELEASE',
      step: e.step,
      attempt: e.attempt,
      officer: e.officer,
      admin: e.admin,
    }),
    entry: (e, _w, task) => ({
      actor: e.admin ? { role: 'admin', id: e.officer } : officer(e.officer),
      type: 'released',
      step: e.step,
      detail: { attempt: e.attempt, holder: task?.claimedBy ?? null },
    }),
    attribution: () => null,
  },
  transfer: {
    machine: (e) => ({
      type: 'TRANSFER',
      step: e.step,
      attempt: e.attempt,
      by: e.by,
      to: e.to,
      admin: e.admin,
    }),
    entry: (e, _w, task) => ({
      actor: e.admin ? { role: 'admin', id: e.by } : officer(e.by),
      type: 'transferred',
      step: e.step,
      detail: { attempt: e.attempt, from: task?.claimedBy ?? null, to: e.to, comment: e.comment },
    }),
    attribution: () => null,
  },
  signers: {
    machine: (e) => ({
      type: 'ADD_SIGNERS',
      step: e.step,
      attempt: e.attempt,
      officer: e.officer,
      required: e.required,
    }),
    entry: (e, workflow, task) => ({
      actor: officer(e.officer),
      type: 'signers_added',
      step: e.step,
      detail: {
        attempt: e.attempt,
        from: task?.signoffRequired ?? workflow.step(e.step).signoff ?? 1,
        required: e.required,
      },
    }),
    attribution: () => null,
  },
  remind: {
    machine: (e) => ({ type: 'REMIND', step: e.step, attempt: e.attempt }),
    entry: (e) => ({ actor: TIMER, type: 'reminded', step: e.step, detail: { attempt: e.attempt } }),
    attribution: () => null,
    // Like a deadline: the row says when to remind (never, if the step opened too late for it); a job early by more
    // than clock skew waits for the sweep.
    stale: (_e, task, now) =>
      !task || task.remindAt === null || task.remindAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS,
  },
  rule: {
    machine: (e) => ({ type: 'RULE', step: e.step, attempt: e.attempt, holds: e.holds }),
    entry: (e) => ({
      actor: RULE,
      type: e.holds ? 'rule_approved' : 'rule_not_held',
      step: e.step,
      detail: e.detail,
    }),
    attribution: (e) => ({ step: e.step, decidedBy: 'rule', officer: null, comment: null }),
  },
  withdraw: {
    machine: () => ({ type: 'WITHDRAW' }),
    entry: (e) => ({ actor: { role: 'applicant', id: e.applicant }, type: 'withdrawn' }),
    attribution: () => null,
  },
};

/** Working state while a plan is built: one statechart result, task rows, and the entries so far. */
interface Draft {
  result: EngineResult;
  data: Record<string, unknown>;
  produced: Record<string, unknown>;
  rows: Map<string, TaskRow>;
  entries: { at: EngineEntry }[];
}

/**
 * The pure event path: (application state, event, context) -> plan. No I/O: the executor locks and reads the
 * state, writes the plan in one batch, commits, and only then enqueues the plan's jobs.
 *
 * After the event itself, every step it opened whose `autoApprove` rule reads no facts is decided here, in the
 * same plan (and so in the same write), and so on for the steps those open: a clear-cut case never reaches
 * an inbox. Rules that read facts are left to the rule worker.
 */
export function plan(state: ApplicationState | null, event: PlanEvent, ctx: PlanContext): Plan {
  const { workflow, now } = ctx;
  let application: ApplicationRow;
  let draft: Draft;
  // Every rule this event decides shares one meter: RULE_EVENT_LIMIT bounds the event, not just each rule.
  const meter = ruleMeter();

  if (event.type === 'submit') {
    // `when` is decided at fan-out, once: which departments take part does not drift. A `when` the meter stopped is
    // undecided, and keeps its step: officers look at what a rule could not settle.
    const verdicts = workflow.definition.steps.map((s) => ({
      step: s.id,
      verdict: verdict(s.when, event.data, meter),
    }));
    const skipped = verdicts.filter((v) => v.verdict === 'fails').map((v) => v.step);
    const undecided = verdicts.filter((v) => v.verdict === 'stopped').map((v) => v.step);
    const result = startApplication(workflow.machine, { skipped });
    application = {
      id: event.applicationId,
      workflowKey: workflow.key,
      workflowVersion: workflow.version,
      applicantId: event.applicant,
      status: 'in_review',
      data: event.data,
      produced: {},
      snapshot: result.snapshot,
      revision: 0,
      submittedAt: now,
      decidedAt: null,
      expectedBy: null,
      historySeq: 0,
      historyHash: GENESIS_HASH,
      correctionDueAt: null,
      waiting: [],
    };
    const entry: EngineEntry = {
      actor: { role: 'applicant', id: event.applicant },
      type: 'submitted',
      detail: {
        workflow: { key: workflow.key, version: workflow.version },
        skipped,
        ...(undecided.length > 0 ? { undecided } : {}),
        // The chain covers the submitted data without copying it into every history row.
        dataHash: dataHash(event.data, workflow),
      },
    };
    draft = { result, data: event.data, produced: {}, rows: new Map(), entries: [{ at: entry }] };
    project(draft, { state: result, before: {}, attribution: null }, application.id, ctx);
  } else {
    if (!state) throw new Error(`a ${event.type} event needs an application`);
    application = state.application;
    const rows = new Map(state.tasks.map((t) => [taskKey(t.step, t.attempt), t]));
    const applied = applyKind({ event, application, rows }, ctx);
    if (!applied) return unchanged(state);
    draft = applied;
  }

  runRulesWithoutFacts({ draft, application, meter }, ctx);
  return finish(state, application, draft, ctx);
}

function applyKind<E extends Exclude<PlanEvent, { type: 'submit' }>>(
  { event, application, rows }: { event: E; application: ApplicationRow; rows: Map<string, TaskRow> },
  ctx: PlanContext,
): Draft | null {
  const kind = EVENT_KINDS[event.type] as unknown as EventKind<E>;
  const task = 'step' in event ? rows.get(taskKey(event.step, event.attempt)) : undefined;
  if (kind.stale?.(event, task, ctx.now, application)) return null;
  const machineEvent = kind.machine(event, application, ctx.workflow);
  const before = statusesOf(application.snapshot);
  const result = applyEvent(ctx.workflow.machine, application.snapshot, machineEvent);
  if (!result.applied) return null;
  const draft: Draft = {
    result,
    data: event.type === 'resubmit' ? event.data : application.data,
    produced: application.produced,
    rows,
    entries: [{ at: kind.entry(event, ctx.workflow, task, application) }],
  };
  project(draft, { state: result, before, attribution: kind.attribution(event) }, application.id, ctx);
  // A reopened step's values went with the approval it is to give again: an officer's gives them anew, a rule's or
  // a deemed one none, so none may outlive the data they were given for.
  const withdrawn = new Set(event.type === 'resubmit' ? (resubmissions.get(event)?.withdrawn ?? []) : []);
  if (withdrawn.size > 0)
    draft.produced = Object.fromEntries(
      Object.entries(draft.produced).filter(([name]) => !withdrawn.has(name)),
    );
  // Values are added when the step is approved: a first countersignature publishes nothing yet.
  if (
    event.type === 'decide' &&
    Object.keys(event.produces).length > 0 &&
    result.steps[event.step] === 'approved'
  ) {
    draft.produced = { ...draft.produced, ...event.produces };
  }
  return draft;
}

/** What an event changed, as the projection of task rows reads it (`only`: see projectTasks). */
interface Change {
  state: ChartState;
  before: Record<string, StepStatus>;
  attribution: Attribution | null;
  only?: ReadonlySet<string>;
}

function project(draft: Draft, { state, ...change }: Change, applicationId: string, ctx: PlanContext) {
  const projection = projectTasks({ rows: draft.rows, ...change, result: state, applicationId, ctx });
  draft.rows = projection.rows;
  draft.entries.push(...projection.entries.map((at) => ({ at })));
}

/**
 * Steps opened with a rule that reads no facts are decided now, in workflow order, until none is left (a rule may
 * open another). Each result is taken as the rule worker's would be (`takeRule`), with its history entry and task
 * rows, and the statechart's snapshot is resolved once, after the last.
 */
function runRulesWithoutFacts(
  { draft, application, meter }: { draft: Draft; application: ApplicationRow; meter: RuleMeter },
  ctx: PlanContext,
): void {
  const { workflow } = ctx;
  // `readsFacts` is remembered per rule object (rule.util), so this is a walk over the step list, not over rules.
  const ruled = workflow.order
    .map((id) => workflow.step(id))
    .filter((s) => s.autoApprove !== undefined && !readsFacts(s.autoApprove));
  let state: ChartState = draft.result;
  const pending = () =>
    ruled.find((s) => state.steps[s.id] === 'open' && state.context.ruleChecked[s.id] !== true);
  let next = pending();
  if (!next) return;
  const input = { ...draft.data, ...draft.produced, facts: {} };
  const pii = piiFieldPaths(workflow.definition.form);
  const kind = EVENT_KINDS.rule;
  const before = draft.result.steps;
  for (; next; next = pending()) {
    const attempt = state.context.attempts[next.id] ?? 1;
    const rule = next.autoApprove as JsonLogic;
    const outcome = verdict(rule, input, meter);
    const result = outcome === 'holds';
    const event = {
      type: 'rule' as const,
      step: next.id,
      attempt,
      holds: result,
      detail: {
        attempt,
        rule,
        read: valuesRead(rule, input, pii),
        facts: {},
        result,
        ...(outcome === 'stopped' ? { stopped: true } : {}),
      },
    };
    const taken = takeRule(workflow.machine, state, event);
    // Picked open, its rule unchecked, at its current attempt, as `takeRule` requires: a refusal would loop forever.
    if (!taken) throw new Error(`rule for ${next.id} was not taken`);
    draft.entries.push({ at: kind.entry(event, workflow, undefined, application) });
    // A rule's result changes its own step's context, and the statuses `settle` moved: only those rows can change.
    const only = new Set([next.id, ...workflow.order.filter((id) => taken.steps[id] !== state.steps[id])]);
    const change = { state: taken, before: state.steps, attribution: kind.attribution(event), only };
    project(draft, change, application.id, ctx);
    state = taken;
  }
  draft.result = resolveChart(workflow.machine, state, before);
}

function finish(
  state: ApplicationState | null,
  application: ApplicationRow,
  draft: Draft,
  ctx: PlanContext,
): Plan {
  const { now, workflow } = ctx;
  const { result } = draft;
  const entries = draft.entries.map((e) => e.at);
  const statusBefore = state?.application.status ?? 'in_review';
  if (result.status !== statusBefore) entries.push({ actor: ENGINE, type: `application_${result.status}` });

  const rows = [...draft.rows.values()];
  const current = (step: string) => draft.rows.get(taskKey(step, result.context.attempts[step] ?? 1));
  const final = FINAL_STATUSES.includes(result.status);
  const history = chain(application, entries, now);
  const last = history[history.length - 1];
  const waiting = waitingFor(application, statusBefore, result.status, ctx);
  const next: ApplicationRow = {
    ...application,
    status: result.status,
    snapshot: result.snapshot,
    data: draft.data,
    produced: draft.produced,
    revision: application.revision + 1,
    decidedAt: final ? (application.decidedAt ?? now) : null,
    ...waiting,
    // While the applicant corrects, nothing runs: when the application will be done depends on them.
    expectedBy:
      final || result.status === 'correction_requested'
        ? null
        : expectedCompletion({
            order: workflow.order,
            dependencies: workflow.dependencies,
            status: result.steps,
            dueAt: Object.fromEntries(workflow.order.map((s) => [s, current(s)?.dueAt])),
            due: (step, from) => ctx.due(workflow.step(step), from, true).dueAt,
            now,
          }),
    historySeq: last?.seq ?? application.historySeq,
    historyHash: last?.hash ?? application.historyHash,
  };

  const before = new Map((state?.tasks ?? []).map((t) => [t.id, t]));
  const insertTasks = rows.filter((r) => !before.has(r.id));
  const updateTasks = rows.filter((r) => {
    const old = before.get(r.id);
    return old !== undefined && !sameRow(old, r);
  });
  return {
    applied: true,
    state: { application: next, tasks: rows },
    insertApplication: state === null,
    dataChanged: state !== null && next.data !== application.data,
    insertTasks,
    updateTasks,
    history,
    jobs: [
      ...insertTasks.flatMap((task) => jobsForTask(task, workflow.step(task.step), ctx)),
      ...(statusBefore !== 'correction_requested' ? jobsForApplication(next, ctx) : []),
    ],
  };
}

/**
 * Entering `correction_requested` starts a stretch of waiting for the applicant and, with a `correctionWindow`,
 * the time it lapses at; leaving it closes the stretch. No department's clock runs meanwhile: no step is open.
 */
function waitingFor(
  application: ApplicationRow,
  before: ApplicationStatus,
  after: ApplicationStatus,
  ctx: PlanContext,
): Pick<ApplicationRow, 'waiting' | 'correctionDueAt'> {
  const { now, workflow } = ctx;
  if (before !== 'correction_requested' && after === 'correction_requested') {
    const window = workflow.definition.correctionWindow;
    return {
      waiting: [...application.waiting, { from: now.toISOString(), to: null }],
      correctionDueAt: window ? ctx.due(windowStep(window), now).dueAt : null,
    };
  }
  if (before === 'correction_requested' && after !== 'correction_requested') {
    return {
      waiting: application.waiting.map((w) => (w.to === null ? { ...w, to: now.toISOString() } : w)),
      correctionDueAt: null,
    };
  }
  return { waiting: application.waiting, correctionDueAt: application.correctionDueAt };
}

/** The correction window counts like a step's time limit, on the workflow's calendar. */
function windowStep(window: Duration): StepDefinition {
  return { id: 'correction-window', name: 'Correction window', department: '', timeLimit: window };
}

/** The lapse job of an application awaiting correction, once its window falls within the horizon. */
export function jobsForApplication(
  application: Pick<ApplicationRow, 'id' | 'status' | 'correctionDueAt' | 'snapshot'>,
  ctx: Pick<PlanContext, 'timerHorizon'>,
): PlannedJob[] {
  const dueAt = application.correctionDueAt;
  if (application.status !== 'correction_requested' || dueAt === null || dueAt > ctx.timerHorizon) return [];
  const round = correctionRound(application);
  const data = {
    taskId: '',
    applicationId: application.id,
    step: '',
    attempt: round,
    kind: 'lapse' as const,
  };
  return [timerJob({ queue: 'deadlines', id: lapseJobId(application.id, round), data }, dueAt)];
}

/**
 * A timer's job: run at its instant, which its data also carries, for the worker to wait for should the queue hand
 * the job over early (its clock ahead of the worker's).
 */
function timerJob(job: Omit<PlannedJob, 'runAt'>, at: Date): PlannedJob {
  return { ...job, data: { ...job.data, at: at.toISOString() }, runAt: at };
}

export const lapseJobId = (applicationId: string, round: number) => `lapse-${applicationId}-${round}`;

function unchanged(state: ApplicationState): Plan {
  return {
    applied: false,
    state,
    insertApplication: false,
    dataChanged: false,
    insertTasks: [],
    updateTasks: [],
    history: [],
    jobs: [],
  };
}

/**
 * SHA-256 of the canonical data with every personal (`x-pii`) value masked: the history never holds a digest one
 * could test guesses of an identity number against, and it stays what it was after the retention purge erases
 * those values. Their integrity is the cipher's: AES-GCM refuses a sealed value that was changed.
 */
function dataHash(data: Record<string, unknown>, workflow: PlanWorkflow): string {
  const masked = maskData(data, piiFieldPaths(workflow.definition.form));
  return createHash('sha256').update(canonicalJson(masked)).digest('hex');
}

/** Numbers and chains the entries from the head kept on the application row. */
function chain(application: ApplicationRow, entries: HistoryEntry[], at: Date): HistoryRow[] {
  let seq = application.historySeq;
  let prevHash = application.historyHash;
  return entries.map((entry) => {
    seq += 1;
    const content = {
      seq,
      at: at.toISOString(),
      actor: entry.actor,
      type: entry.type,
      step: entry.step ?? null,
      detail: entry.detail ?? {},
    };
    const hash = chainHash(prevHash, content);
    const row: HistoryRow = { applicationId: application.id, ...content, at, prevHash, hash };
    prevHash = hash;
    return row;
  });
}

/**
 * The jobs an open task needs: its rule job while a rule that reads facts has not spoken, and its deadline and
 * reminder only when they fall within the horizon. The sweep enqueues the rest as they come near; PostgreSQL stays
 * the truth. Ids are deterministic, so the sweep may ask again for jobs already queued.
 */
export function jobsForTask(
  task: TaskRow,
  step: StepDefinition,
  ctx: Pick<PlanContext, 'now' | 'timerHorizon'>,
): PlannedJob[] {
  if (task.status !== 'open') return [];
  const data = { taskId: task.id, applicationId: task.applicationId, step: task.step, attempt: task.attempt };
  const jobs: PlannedJob[] = [];
  if (task.rulePending && readsFacts(step.autoApprove))
    jobs.push({ queue: 'rules', id: ruleJobId(task), data, runAt: ctx.now });
  if (!task.overdue && task.dueAt <= ctx.timerHorizon)
    jobs.push(timerJob({ queue: 'deadlines', id: deadlineJobId(task), data }, task.dueAt));
  if (task.remindAt && !task.reminded && task.remindAt <= ctx.timerHorizon)
    jobs.push(timerJob({ queue: 'reminders', id: reminderJobId(task), data }, task.remindAt));
  return jobs;
}

export const deadlineJobId = (task: { id: string; attempt: number }) => `deadline-${task.id}-${task.attempt}`;
export const reminderJobId = (task: { id: string; attempt: number }) => `reminder-${task.id}-${task.attempt}`;
export const ruleJobId = (task: { id: string; attempt: number }) => `rule-${task.id}-${task.attempt}`;

function statusesOf(snapshot: Record<string, unknown>): Record<string, StepStatus> {
  return { ...(snapshot.value as { steps: Record<string, StepStatus> }).steps };
}

function sameRow(a: TaskRow, b: TaskRow): boolean {
  return (Object.keys(a) as (keyof TaskRow)[]).every((key) => {
    const x = a[key];
    const y = b[key];
    if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
    if (typeof x === 'object' && x !== null) return JSON.stringify(x) === JSON.stringify(y);
    return x === y;
  });
}
