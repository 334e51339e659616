import { assign, createActor, setup } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, Snapshot } from 'xstate';
import { canonicalJson } from '../common/canonical-json.util.js';
import type { StepDefinition, WorkflowDefinition } from '../definitions/definition.types.js';

/**
 * The statechart of one application: a parallel state with one region per step, plus a region for the
 * application's own status. Everything here is pure: the service restores a snapshot, calls `applyEvent`,
 * persists the result and only then acts on the changes.
 *
 * The chart takes each event's own transition, in the one region it concerns (a decision, a claim, a timeout, a
 * withdrawal). What follows from it across regions (steps opening once what they wait for is done, a rejection or
 * withdrawal cancelling what is still live, a resubmission reopening steps, the application's outcome) is settled
 * in one pass by `settle`, not by eventless transitions and raised events: XState weighs every pair of transitions
 * it takes together against each other over every active state, which for 200 steps opening or cancelled at once
 * held the event loop for 0.3-1.1 s.
 */

export const STEP_STATUSES = [
  'blocked',
  'open',
  'approved',
  'rejected',
  'returned',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const APPLICATION_STATUSES = [
  'in_review',
  'correction_requested',
  'approved',
  'rejected',
  'withdrawn',
  'lapsed',
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];
export type DecidedBy = 'officer' | 'rule' | 'timeout';

export type EngineEvent =
  | {
      type: 'DECIDE';
      step: string;
      attempt: number;
      outcome: 'approve' | 'reject' | 'return';
      officer: string;
      /** Form fields to correct (a return only). */
      fields?: string[];
      /** The values an approval produces (the step's `produces`): every countersignature must give the same. */
      produces?: Record<string, unknown>;
    }
  | { type: 'TIMEOUT'; step: string; attempt: number }
  | ({ type: 'RULE' } & RuleResult)
  | { type: 'REMIND'; step: string; attempt: number }
  | { type: 'WITHDRAW' }
  /** Reopens `reopen` (returned steps and approved steps that read a changed value) as new attempts. */
  | { type: 'RESUBMIT'; reopen: string[] }
  /** The correction window of round `round` has passed. */
  | { type: 'LAPSE'; round: number }
  | { type: 'CLAIM'; step: string; attempt: number; officer: string }
  /** `admin`: an administrator may release whoever holds the claim. */
  | { type: 'RELEASE'; step: string; attempt: number; officer: string; admin: boolean }
  /** `by` hands the step to `to`; `admin` may hand over a claim someone else holds. */
  | { type: 'TRANSFER'; step: string; attempt: number; by: string; to: string; admin: boolean }
  /** `officer` raises the step's signatures: the holder, where the step is claimed. */
  | { type: 'ADD_SIGNERS'; step: string; attempt: number; officer: string; required: number };

export interface EngineContext {
  skipped: string[];
  attempts: Record<string, number>;
  /** Distinct officers who approved the step's current attempt (countersigning, `signoff`). */
  signoffs: Record<string, string[]>;
  overdue: Record<string, boolean>;
  reminded: Record<string, boolean>;
  /** Steps whose `autoApprove` rule was evaluated for the current attempt: a redelivered rule job changes nothing. */
  ruleChecked: Record<string, boolean>;
  /** Form fields each returned step asked to correct (current round). */
  corrections?: Record<string, string[]>;
  /** Resubmissions so far: a correction window's timer belongs to one round. */
  round?: number;
  /** The officer holding each step's current attempt (claim / transfer). */
  claims?: Record<string, string>;
  /** Signatures required, where raised for this application (加签) above the definition's `signoff`. */
  required?: Record<string, number>;
  /** The values the first countersignature of a step's current attempt produced: the others must give the same. */
  signedValues?: Record<string, Record<string, unknown>>;
  /** Officers' claims, releases and transfers of each step's current attempt: MAX_TOOLBOX_ACTS bounds them. */
  acts?: Record<string, number>;
}

/**
 * The claims, releases and transfers officers may make of one attempt at a step. Each is a history entry, and an
 * application's history is read and verified whole: an officer looping claim and release wrote 15,000 entries to
 * one application in under a minute, after which each read of its history took most of a second. Past the bound
 * an admin may still release or transfer the task, which starts the count again, and its holder (or anyone,
 * unclaimed) may still decide it.
 */
export const MAX_TOOLBOX_ACTS = 100;

/**
 * Whether an approval of `step` would produce other values than its current attempt's first signature did: two
 * officers countersigning one decision must sign for the same licence number, not the last one's.
 */
export function producesOtherValues(
  context: Pick<EngineContext, 'signoffs' | 'signedValues'>,
  step: string,
  produces: Record<string, unknown> | undefined,
): boolean {
  const first = context.signedValues?.[step];
  // No record with signatures given: they were given before the first signature's values were kept; take any.
  if ((context.signoffs[step] ?? []).length === 0 || first === undefined) return false;
  return canonicalJson(produces ?? {}) !== canonicalJson(first);
}

export interface EngineInput {
  /** Steps whose `when` was false at submission: they stay skipped, whatever a correction changes. */
  skipped: string[];
}

export interface StepChange {
  step: string;
  from: StepStatus | null;
  to: StepStatus;
}

/** The chart's state as plain values: what `takeRule` and `settle` change, and what task rows are projected from. */
export interface ChartState {
  status: ApplicationStatus;
  steps: Record<string, StepStatus>;
  context: EngineContext;
}

export interface EngineResult extends ChartState {
  /** False when the event no longer applies (already decided, old attempt, wrong step): nothing changed. */
  applied: boolean;
  snapshot: PersistedSnapshot;
  changes: StepChange[];
}

/** A step's `autoApprove` rule has spoken for its current attempt. */
export interface RuleResult {
  step: string;
  attempt: number;
  holds: boolean;
}

export type PersistedSnapshot = Record<string, unknown>;

function stepRegion(step: StepDefinition) {
  const isThisStep = ({ event }: { event: { step?: string } }) => event.step === step.id;
  const currentAttempt = ({ context, event }: { context: EngineContext; event: { attempt?: number } }) =>
    event.attempt === context.attempts[step.id];
  const isMine = (args: { context: EngineContext; event: { step?: string; attempt?: number } }) =>
    isThisStep(args) && currentAttempt(args);
  const signoffRequired = (context: EngineContext) => context.required?.[step.id] ?? step.signoff ?? 1;
  const signed = (context: EngineContext) => context.signoffs[step.id] ?? [];
  const holder = (context: EngineContext) => context.claims?.[step.id];
  /** A step claimed by one officer is decided by that officer only, until released. */
  const mayDecide = (context: EngineContext, officer: string) => {
    const held = holder(context);
    return held === undefined || held === officer;
  };
  type StepArgs = { context: EngineContext; event: EngineEvent };
  const actsLeft = (context: EngineContext, event: EngineEvent) =>
    ('admin' in event && event.admin) || (context.acts?.[step.id] ?? 0) < MAX_TOOLBOX_ACTS;
  // An admin's act starts the count again: it is how a task past the bound is freed, for every officer.
  const setClaim = (officer: (event: EngineEvent) => string | undefined) =>
    assign({
      claims: ({ context, event }: StepArgs) => {
        const claims = { ...context.claims };
        const who = officer(event);
        if (who === undefined) delete claims[step.id];
        else claims[step.id] = who;
        return claims;
      },
      acts: ({ context, event }: StepArgs) =>
        'admin' in event && event.admin
          ? { ...context.acts, [step.id]: 0 }
          : { ...context.acts, [step.id]: (context.acts?.[step.id] ?? 0) + 1 },
    });
  const addSignoff = assign({
    signoffs: ({ context, event }: { context: EngineContext; event: EngineEvent }) =>
      event.type === 'DECIDE'
        ? { ...context.signoffs, [step.id]: [...signed(context), event.officer] }
        : context.signoffs,
  });
  // The first of several signatures keeps what it produced; a step one signature approves needs no record of it.
  const keepSignedValues = assign({
    signedValues: ({ context, event }: StepArgs) =>
      event.type === 'DECIDE' && signed(context).length === 0
        ? { ...context.signedValues, [step.id]: event.produces ?? {} }
        : context.signedValues,
  });
  const agrees = (context: EngineContext, event: EngineEvent) =>
    event.type === 'DECIDE' && !producesOtherValues(context, step.id, event.produces);
  const onTimeout = {
    approve: { guard: isMine, target: 'approved' },
    reject: { guard: isMine, target: 'rejected' },
    // Escalation keeps the step open; marking it overdue twice would be a second outcome of one timeout.
    escalate: {
      guard: (args: { context: EngineContext; event: { step?: string; attempt?: number } }) =>
        isMine(args) && !args.context.overdue[step.id],
      actions: assign({
        overdue: ({ context }: { context: EngineContext }) => ({ ...context.overdue, [step.id]: true }),
      }),
    },
  }[step.onTimeout ?? 'escalate'];

  return {
    // Never entered through XState: an application's first state is settled (`startApplication`).
    initial: 'blocked',
    states: {
      blocked: {},
      open: {
        on: {
          DECIDE: [
            {
              guard: ({ context, event }: { context: EngineContext; event: EngineEvent }) =>
                event.type === 'DECIDE' &&
                event.outcome === 'reject' &&
                isMine({ context, event }) &&
                mayDecide(context, event.officer),
              target: 'rejected',
            },
            {
              // One return decides the step, countersigning or not; its clock stops here.
              guard: ({ context, event }: StepArgs) =>
                event.type === 'DECIDE' &&
                event.outcome === 'return' &&
                isMine({ context, event }) &&
                mayDecide(context, event.officer),
              target: 'returned',
              actions: assign({
                corrections: ({ context, event }: StepArgs) => ({
                  ...context.corrections,
                  [step.id]: event.type === 'DECIDE' ? (event.fields ?? []) : [],
                }),
              }),
            },
            {
              // The officer's signature completes the countersigning: the step is approved.
              guard: ({ context, event }: { context: EngineContext; event: EngineEvent }) =>
                event.type === 'DECIDE' &&
                event.outcome === 'approve' &&
                isMine({ context, event }) &&
                mayDecide(context, event.officer) &&
                !signed(context).includes(event.officer) &&
                agrees(context, event) &&
                signed(context).length + 1 >= signoffRequired(context),
              target: 'approved',
              actions: addSignoff,
            },
            {
              guard: ({ context, event }: { context: EngineContext; event: EngineEvent }) =>
                event.type === 'DECIDE' &&
                event.outcome === 'approve' &&
                isMine({ context, event }) &&
                mayDecide(context, event.officer) &&
                !signed(context).includes(event.officer) &&
                agrees(context, event),
              actions: [keepSignedValues, addSignoff],
            },
          ],
          CLAIM: {
            guard: ({ context, event }: StepArgs) =>
              event.type === 'CLAIM' &&
              isMine({ context, event }) &&
              holder(context) === undefined &&
              actsLeft(context, event),
            actions: setClaim((e) => (e.type === 'CLAIM' ? e.officer : undefined)),
          },
          RELEASE: {
            guard: ({ context, event }: StepArgs) =>
              event.type === 'RELEASE' &&
              isMine({ context, event }) &&
              holder(context) !== undefined &&
              (event.admin || holder(context) === event.officer) &&
              actsLeft(context, event),
            actions: setClaim(() => undefined),
          },
          // To whom: the caller must hold the step or find it unclaimed (an admin may take it from anyone).
          TRANSFER: {
            guard: ({ context, event }: StepArgs) =>
              event.type === 'TRANSFER' &&
              isMine({ context, event }) &&
              event.to !== holder(context) &&
              (event.admin || mayDecide(context, event.by)) &&
              actsLeft(context, event),
            actions: setClaim((e) => (e.type === 'TRANSFER' ? e.to : undefined)),
          },
          // Signatures are only ever raised, and above those already given (the step is still open). Raising them
          // changes what the holder's approval does, so while the step is claimed only its holder may.
          ADD_SIGNERS: {
            guard: ({ context, event }: StepArgs) =>
              event.type === 'ADD_SIGNERS' &&
              isMine({ context, event }) &&
              mayDecide(context, event.officer) &&
              event.required > signoffRequired(context),
            actions: assign({
              required: ({ context, event }: StepArgs) => ({
                ...context.required,
                [step.id]: event.type === 'ADD_SIGNERS' ? event.required : signoffRequired(context),
              }),
            }),
          },
          // A reminder changes no status, but it is an event of its own: kept once, in the history.
          REMIND: {
            guard: (args: { context: EngineContext; event: { step?: string; attempt?: number } }) =>
              isMine(args) && !args.context.reminded[step.id],
            actions: assign({
              reminded: ({ context }: { context: EngineContext }) => ({
                ...context.reminded,
                [step.id]: true,
              }),
            }),
          },
          TIMEOUT: onTimeout,
        },
      },
      // Not final: a resubmission that changes a value the step read reopens it (`settle`).
      approved: {},
      rejected: { type: 'final' as const },
      returned: {},
      // Not final, as in every stored snapshot; nothing leaves it: `when` is evaluated once, at submission.
      skipped: {},
      cancelled: { type: 'final' as const },
    },
  };
}

export function buildWorkflowMachine(
  definition: WorkflowDefinition,
  version: number,
  dependencies: Record<string, string[]>,
): AnyStateMachine {
  const reopen = assign(({ context, event }: { context: EngineContext; event: EngineEvent }) => {
    if (event.type !== 'RESUBMIT') return {};
    const without = <T>(record: Record<string, T> | undefined) =>
      Object.fromEntries(Object.entries(record ?? {}).filter(([step]) => !event.reopen.includes(step)));
    return {
      attempts: Object.fromEntries(
        Object.entries(context.attempts).map(([step, n]) => [step, event.reopen.includes(step) ? n + 1 : n]),
      ),
      signoffs: without(context.signoffs),
      signedValues: without(context.signedValues),
      acts: without(context.acts),
      overdue: without(context.overdue),
      reminded: without(context.reminded),
      ruleChecked: without(context.ruleChecked),
      claims: without(context.claims),
      corrections: {},
      round: (context.round ?? 0) + 1,
    };
  });
  const regions = Object.fromEntries(definition.steps.map((s) => [s.id, stepRegion(s)]));

  const types = {} as { context: EngineContext; events: EngineEvent; input: EngineInput };
  const machine = setup({ types }).createMachine({
    id: 'app',
    // The description names the version the machine was built from.
    description: `${definition.key}@${version}`,
    type: 'parallel',
    context: ({ input }) =>
      firstContext(
        definition.steps.map((s) => s.id),
        input,
      ),
    states: {
      steps: { type: 'parallel', states: regions } as never,
      application: {
        initial: 'in_review',
        states: {
          in_review: { on: { WITHDRAW: 'withdrawn' } },
          correction_requested: {
            on: {
              RESUBMIT: { target: 'in_review', actions: reopen as never },
              WITHDRAW: 'withdrawn',
              LAPSE: {
                guard: ({ context, event }: { context: EngineContext; event: EngineEvent }) =>
                  event.type === 'LAPSE' && event.round === (context.round ?? 0),
                target: 'lapsed',
              },
            },
          },
          approved: {},
          rejected: {},
          withdrawn: {},
          lapsed: {},
        },
      },
    },
  });
  prerequisitesOf.set(
    machine,
    definition.steps.map((s) => [s.id, dependencies[s.id] ?? []]),
  );
  return machine;
}

/** Each machine's steps in definition order, with the steps each waits for: what `settle` needs. */
const prerequisitesOf = new WeakMap<AnyStateMachine, [step: string, prerequisites: string[]][]>();

function prerequisites(machine: AnyStateMachine): [step: string, prerequisites: string[]][] {
  const known = prerequisitesOf.get(machine);
  if (known === undefined) throw new Error(`${machine.id}: not a machine built by buildWorkflowMachine`);
  return known;
}

/** The chart's state value (a type, not an interface, so that it is one of XState's `StateValue`s). */
type ChartValue = { steps: Record<string, StepStatus>; application: ApplicationStatus };

const ENDED: readonly ApplicationStatus[] = ['rejected', 'withdrawn', 'lapsed'];
const LIVE: readonly StepStatus[] = ['blocked', 'open', 'returned'];
/** A prerequisite is satisfied once approved, or skipped at fan-out. */
const satisfied = (status: StepStatus | undefined) => status === 'approved' || status === 'skipped';

/**
 * What follows across regions from a state the chart reached, in one pass (nothing it changes enables more of
 * it): `reopen` steps (a resubmission's) wait again; one rejected step ends the application; an ended one cancels
 * what is still live; a blocked step opens once every step it waits for is satisfied (a step reopened with its
 * prerequisite waits for it again); the application is approved once every step is satisfied, and waits for the
 * applicant once a step is returned and none is open. Null when there is nothing to change.
 */
function settle(
  order: readonly [step: string, prerequisites: string[]][],
  value: ChartValue,
  reopen: readonly string[] = [],
): ChartValue | null {
  const steps = { ...value.steps };
  let application = value.application;
  for (const step of reopen)
    if (steps[step] === 'approved' || steps[step] === 'returned') steps[step] = 'blocked';
  const statuses = () => order.map(([step]) => steps[step]);
  if (application === 'in_review' && statuses().includes('rejected')) application = 'rejected';
  if (ENDED.includes(application)) {
    for (const [step] of order) if (LIVE.includes(steps[step]!)) steps[step] = 'cancelled';
  } else if (application !== 'approved') {
    for (const [step, waitsFor] of order)
      if (steps[step] === 'blocked' && waitsFor.every((s) => satisfied(steps[s]))) steps[step] = 'open';
    if (application === 'in_review') {
      const now = statuses();
      if (now.every(satisfied)) application = 'approved';
      else if (now.includes('returned') && !now.includes('open')) application = 'correction_requested';
    }
  }
  const changed =
    application !== value.application || order.some(([step]) => steps[step] !== value.steps[step]);
  return changed ? { steps, application } : null;
}

function stepStatuses(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): Record<string, StepStatus> {
  const value = snapshot.value as { steps: Record<string, string> };
  const ids = Object.keys((machine.config.states as { steps: { states: object } }).steps.states);
  return Object.fromEntries(ids.map((id) => [id, value.steps[id] as StepStatus]));
}

function describe(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  before: Record<string, StepStatus> | null,
  applied: boolean,
): EngineResult {
  const steps = stepStatuses(machine, snapshot);
  const changes: StepChange[] = Object.entries(steps)
    .filter(([id, to]) => before?.[id] !== to)
    .map(([step, to]) => ({ step, from: before?.[step] ?? null, to }));
  // As a read of the stored row would give it (JSON leaves out XState's undefined members; the context never holds
  // one, its actions delete instead), and frozen, so that the state a process remembers can share it; `restore`
  // takes it back to the snapshot it was made from.
  const persisted = deepFreeze(definedMembers(machine.getPersistedSnapshot(snapshot)));
  live.set(persisted, { machine, snapshot });
  return {
    applied,
    snapshot: persisted,
    status: (snapshot.value as { application: ApplicationStatus }).application,
    steps,
    changes,
    context: snapshot.context as EngineContext,
  };
}

/** First results per machine and set of skipped steps (a few per machine kept); see startApplication. */
const STARTS_PER_MACHINE = 64;
const starts = new WeakMap<AnyStateMachine, Map<string, EngineResult>>();

/**
 * The application's first snapshot: skipped steps skipped, steps whose prerequisites are all skipped open. It
 * depends on the machine and the skipped steps alone, so it is computed once per machine and set of skipped steps,
 * and every caller shares it: it is frozen to the last member, so a caller that tried to change it would throw, not
 * change the next application's start.
 */
export function startApplication(machine: AnyStateMachine, input: EngineInput): EngineResult {
  let byMachine = starts.get(machine);
  if (byMachine === undefined) starts.set(machine, (byMachine = new Map<string, EngineResult>()));
  const key = JSON.stringify(input.skipped);
  let first = byMachine.get(key);
  if (first === undefined) {
    first = deepFreeze(describe(machine, firstSnapshot(machine, input), null, true));
    if (byMachine.size < STARTS_PER_MACHINE) byMachine.set(key, first);
  }
  return first;
}

/**
 * The application's first state: skipped steps skipped, every other step blocked until `settle` opens it. Resolved
 * from its value, as XState's own initial state would only be the unsettled one.
 */
function firstSnapshot(machine: AnyStateMachine, input: EngineInput): AnyMachineSnapshot {
  const order = prerequisites(machine);
  const skipped = new Set(input.skipped);
  const unsettled: ChartValue = {
    steps: Object.fromEntries(order.map(([step]) => [step, skipped.has(step) ? 'skipped' : 'blocked'])),
    application: 'in_review',
  };
  return machine.resolveState({
    value: settle(order, unsettled) ?? unsettled,
    context: firstContext(
      order.map(([step]) => step),
      input,
    ),
  }) as AnyMachineSnapshot;
}

/** An application's context before any event: every step at its first attempt. */
function firstContext(steps: string[], input: EngineInput): EngineContext {
  return {
    skipped: input.skipped,
    attempts: Object.fromEntries(steps.map((step) => [step, 1])),
    signoffs: {},
    overdue: {},
    reminded: {},
    ruleChecked: {},
  };
}

/** The object without its members whose value is undefined: XState's persisted snapshot has a few at the top. */
function definedMembers(value: object): PersistedSnapshot {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** What `machine.transition` and `machine.restoreSnapshot` run in. */
type MachineScope = Parameters<AnyStateMachine['transition']>[2];

/** One inert actor scope per machine; see scopeOf. */
const scopes = new WeakMap<AnyStateMachine, MachineScope>();

/**
 * The scope `machine.transition` and `machine.restoreSnapshot` run in. XState's `transition()` and an unstarted
 * actor each build a fresh actor (and try the machine's initial snapshot) on every call, which cost more than the
 * transition itself. These machines invoke and spawn nothing and only assign and raise, so one inert scope per
 * machine, which executes no action, serves every call: the same as XState's own inert scope, built once.
 */
function scopeOf(machine: AnyStateMachine): MachineScope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine);
    scope = {
      self: self as MachineScope['self'],
      id: '',
      sessionId: '',
      system: self.system,
      defer: () => undefined,
      logger: () => undefined,
      stopChild: () => undefined,
      emit: () => undefined,
      actionExecutor: () => undefined,
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/**
 * The snapshot each persisted snapshot `describe` made was made from, while that persisted snapshot is in use: the
 * next event of an application planned from a state this process wrote (the executor's remembered state shares the
 * persisted snapshot) starts from it, as an actor's next event starts from its last snapshot, instead of reviving
 * it. Snapshots are immutable, so the two are the same to a transition.
 */
const live = new WeakMap<object, { machine: AnyStateMachine; snapshot: AnyMachineSnapshot }>();

export function restore(machine: AnyStateMachine, persisted: PersistedSnapshot): AnyMachineSnapshot {
  const known = live.get(persisted);
  if (known?.machine === machine) return known.snapshot;
  // A persisted snapshot cannot go straight into a transition; it is revived first (STACK-NOTES.md).
  return machine.restoreSnapshot(
    persisted as unknown as Snapshot<unknown>,
    scopeOf(machine),
  ) as AnyMachineSnapshot;
}

export function applyEvent(
  machine: AnyStateMachine,
  persisted: PersistedSnapshot,
  event: EngineEvent,
): EngineResult {
  const current = restore(machine, persisted);
  const before = stepStatuses(machine, current);
  if (event.type === 'RULE') {
    const status = (current.value as ChartValue).application;
    const taken = takeRule(
      machine,
      { status, steps: before, context: current.context as EngineContext },
      event,
    );
    return taken === null ? describe(machine, current, before, false) : resolveChart(machine, taken, before);
  }
  const moved = machine.transition(current, event, scopeOf(machine)) as AnyMachineSnapshot;
  // A resubmission is taken only while a correction is awaited.
  const reopen =
    event.type === 'RESUBMIT' && (current.value as ChartValue).application === 'correction_requested'
      ? event.reopen
      : [];
  const value = settle(prerequisites(machine), moved.value as ChartValue, reopen);
  const nextSnapshot =
    value === null
      ? moved
      : (machine.resolveState({ value, context: moved.context as EngineContext }) as AnyMachineSnapshot);
  const applied =
    JSON.stringify(nextSnapshot.value) !== JSON.stringify(current.value) ||
    JSON.stringify(nextSnapshot.context) !== JSON.stringify(current.context);
  return describe(machine, nextSnapshot, before, applied);
}

/**
 * A rule's result, taken in plain code rather than as a transition of the chart: the open step's current attempt is
 * approved when the rule holds, or left with its officers when it does not, and either way its rule is checked,
 * once; then `settle` follows it across steps. Null when it no longer applies (the step is not open, the attempt is
 * not current, or its rule has spoken). A rule that approves a step may open the next, whose rule is decided in the
 * same event (the planner's cascade): as an XState transition and a resolved snapshot each, a chain of 200 such
 * steps took 0.4 s; taken here, each costs a pass of `settle`, and the chain one snapshot (`resolveChart`).
 */
export function takeRule(machine: AnyStateMachine, state: ChartState, rule: RuleResult): ChartState | null {
  const { steps, context } = state;
  const { step, attempt, holds } = rule;
  if (steps[step] !== 'open' || context.attempts[step] !== attempt || context.ruleChecked[step]) return null;
  const moved: ChartValue = {
    steps: holds ? { ...steps, [step]: 'approved' } : steps,
    application: state.status,
  };
  const value = settle(prerequisites(machine), moved) ?? moved;
  return {
    status: value.application,
    steps: value.steps,
    context: { ...context, ruleChecked: { ...context.ruleChecked, [step]: true } },
  };
}

/** The snapshot of a state reached in plain code, described against the step statuses `before` it. */
export function resolveChart(
  machine: AnyStateMachine,
  state: ChartState,
  before: Record<string, StepStatus>,
): EngineResult {
  const value: ChartValue = { steps: state.steps, application: state.status };
  const snapshot = machine.resolveState({ value, context: state.context }) as AnyMachineSnapshot;
  return describe(machine, snapshot, before, true);
}
