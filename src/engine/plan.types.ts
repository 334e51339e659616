import type { AnyStateMachine } from 'xstate';
import type { Actor, HistoryEntry } from '../audit/hash-chain.util.js';
import type { Duration, StepDefinition, WorkflowDefinition } from '../definitions/definition.types.js';
import type { ApplicationStatus, DecidedBy, PersistedSnapshot, StepStatus } from './workflow-machine.util.js';

/** A countersignature: who signed the step's current attempt, and when. */
export interface Signoff {
  officer: string;
  at: string;
}

/** One attempt at one step, as its department sees it: a projection of the application's snapshot. */
export interface TaskRow {
  id: string;
  applicationId: string;
  workflowKey: string;
  workflowVersion: number;
  step: string;
  attempt: number;
  department: string;
  status: StepStatus;
  openedAt: Date;
  dueAt: Date;
  dueBeyondCalendar: boolean;
  remindAt: Date | null;
  decidedAt: Date | null;
  decidedBy: DecidedBy | null;
  decidedByOfficer: string | null;
  overdue: boolean;
  reminded: boolean;
  /** The step's `autoApprove` rule reads facts and has yet to speak for this attempt. */
  rulePending: boolean;
  signoffs: Signoff[];
  comment: string | null;
  /** The officer holding this attempt (claim or transfer), projected from the snapshot. */
  claimedBy: string | null;
  /** Signatures required when raised for this application (加签); null: the step's `signoff`. */
  signoffRequired: number | null;
}

/** A stretch of time the application waited for the applicant's correction; `to` is null while it waits. */
export interface WaitingInterval {
  from: string;
  to: string | null;
}

/** The application row's own columns. */
export interface ApplicationRow {
  id: string;
  workflowKey: string;
  workflowVersion: number;
  applicantId: string;
  status: ApplicationStatus;
  data: Record<string, unknown>;
  produced: Record<string, unknown>;
  snapshot: PersistedSnapshot;
  revision: number;
  submittedAt: Date;
  decidedAt: Date | null;
  expectedBy: Date | null;
  /** The history head: appending needs no read of the history table. */
  historySeq: number;
  historyHash: string;
  /** When an application awaiting correction lapses (`correctionWindow`); null when none runs. */
  correctionDueAt: Date | null;
  /** Every stretch spent waiting for the applicant: no department's clock runs then. */
  waiting: WaitingInterval[];
}

/** What the planner reads: the application row with every task row it has, read in one statement. */
export interface ApplicationState {
  application: ApplicationRow;
  tasks: TaskRow[];
}

/**
 * Events the planner understands. Each kind is described once in `EVENT_KINDS` (plan.util.ts): its statechart
 * event, its history entry and which step it decides. A new kind (a return for correction, a resubmission, a
 * claim) is one more member here and one more entry there.
 */
export type PlanEvent =
  | { type: 'submit'; applicationId: string; applicant: string; data: Record<string, unknown> }
  | {
      type: 'decide';
      step: string;
      attempt: number;
      officer: string;
      outcome: 'approve' | 'reject' | 'return';
      comment: string | null;
      produces: Record<string, unknown>;
      /** Form fields to correct: a return only. */
      fields?: string[];
    }
  | { type: 'timeout'; step: string; attempt: number }
  | { type: 'remind'; step: string; attempt: number }
  | { type: 'rule'; step: string; attempt: number; holds: boolean; detail: Record<string, unknown> }
  | { type: 'withdraw'; applicant: string }
  /** `data` is the application's whole data after the merge patch, already checked against the form. */
  | { type: 'resubmit'; applicant: string; data: Record<string, unknown> }
  | { type: 'lapse'; round: number }
  | { type: 'claim'; step: string; attempt: number; officer: string }
  | { type: 'release'; step: string; attempt: number; officer: string; admin: boolean }
  | {
      type: 'transfer';
      step: string;
      attempt: number;
      by: string;
      to: string;
      admin: boolean;
      comment: string | null;
    }
  | { type: 'signers'; step: string; attempt: number; officer: string; required: number };

export type PlanEventType = PlanEvent['type'];

/** The compiled workflow, as much of it as planning needs (CompiledWorkflow satisfies it). */
export interface PlanWorkflow {
  key: string;
  version: number;
  definition: WorkflowDefinition;
  dependencies: Record<string, string[]>;
  order: string[];
  machine: AnyStateMachine;
  step(id: string): StepDefinition;
}

export interface PlanContext {
  workflow: PlanWorkflow;
  now: Date;
  /** Timer jobs falling due after this are left to the sweep, which enqueues them as they come near. */
  timerHorizon: Date;
  /**
   * The due time of a step opened at `from` (the calendar's arithmetic). `projection` is true when only
   * `expectedBy` is being estimated, not a step opened: nothing to warn about then.
   */
  due(step: StepDefinition, from: Date, projection?: boolean): { dueAt: Date; beyondData: boolean };
  /** When to remind about a step due at `dueAt`. */
  remindAt(step: StepDefinition, remindBefore: Duration, dueAt: Date): Date;
  newId(): string;
}

export type JobQueue = 'deadlines' | 'reminders' | 'rules';

export interface TaskJobData {
  taskId: string;
  applicationId: string;
  step: string;
  attempt: number;
  /**
   * `lapse`: the correction window of the application (in the deadlines queue, with no task: `taskId` and `step`
   * are empty and `attempt` is the correction round). Absent: a task's timer.
   */
  kind?: 'lapse';
  /**
   * A timer's instant (ISO 8601): the due time, reminder time or end of the correction window it was enqueued for.
   * A queue whose clock runs ahead of the worker's may hand the job over before it; the worker waits for it.
   * Absent in rule jobs, and in timer jobs enqueued before it was added.
   */
  at?: string;
}

export interface PlannedJob {
  queue: JobQueue;
  /** Deterministic: enqueueing it twice keeps the first (BullMQ ids may not contain `:`). */
  id: string;
  data: TaskJobData;
  runAt: Date;
}

export interface HistoryRow {
  applicationId: string;
  seq: number;
  at: Date;
  actor: Actor;
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface Plan {
  /** False when the event no longer applies: nothing is written and no job runs. */
  applied: boolean;
  /** The state after the plan: what the executor writes, and what a response is built from. */
  state: ApplicationState;
  /** True when the application row is new (a submission). */
  insertApplication: boolean;
  /** True when the application's data changed (a resubmission): only then is it written again. */
  dataChanged: boolean;
  insertTasks: TaskRow[];
  updateTasks: TaskRow[];
  history: HistoryRow[];
  jobs: PlannedJob[];
}

export type { Actor, HistoryEntry };
