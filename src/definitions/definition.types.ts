/** Plain types of a workflow definition (WORKFLOW-FORMAT.md). The DTOs validate into this shape. */

export type JsonLogic = boolean | number | string | null | JsonLogic[] | { [operator: string]: JsonLogic };

export interface Duration {
  workingDays?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
}

export type TimeoutAction = 'approve' | 'reject' | 'escalate';

export interface FactDefinition {
  url: string;
  timeoutMs?: number;
  cacheSeconds?: number;
}

export interface StepDefinition {
  id: string;
  name: string;
  department: string;
  after?: string[];
  needs?: string[];
  produces?: string[];
  when?: JsonLogic;
  fields?: string[];
  timeLimit: Duration;
  onTimeout?: TimeoutAction;
  remindBefore?: Duration;
  autoApprove?: JsonLogic;
  signoff?: number;
}

export interface WorkflowDefinition {
  $schema?: string;
  key: string;
  name: string;
  description?: string;
  calendar?: string;
  form: Record<string, unknown>;
  facts?: Record<string, FactDefinition>;
  /** How long an application may wait for the applicant's correction before it lapses; none: it waits. */
  correctionWindow?: Duration;
  steps: StepDefinition[];
}

/** One problem in a document, located by its JSON path (e.g. `$.steps[2].after[0]`). */
export interface DefinitionError {
  path: string;
  message: string;
}

/** Committed time over the steps taken: a workflow's (nothing skipped), or one application's. */
export interface Commitment {
  /**
   * Unit of `serial` and `parallel`: `workingDays` when every limit is in working days, else `seconds`. Working days
   * mixed with other units are placed on the workflow's calendar from `referenceInstant`.
   */
  unit: 'workingDays' | 'seconds';
  serial: number;
  parallel: number;
  compression: number;
  criticalPath: string[];
  /** Present when working days mix with other units: the instant the first steps are taken to open. */
  referenceInstant?: string;
}

export interface Analysis extends Commitment {
  /** Each step's resolved prerequisites: `after` plus the producers of what it `needs`. */
  dependencies: Record<string, string[]>;
  /** The minimal dependency graph: resolved dependencies that no chain of other prerequisites implies. */
  edges: DependencyEdge[];
  /** Each hand-off of the old serial order (the order steps are listed in): kept, or dropped as no data flows. */
  handoffs: Handoff[];
  /** Declared `after` entries another dependency already implies. */
  redundant: RedundantAfter[];
}

export interface DependencyEdge {
  from: string;
  to: string;
  /** Values `from` produces that `to` needs: the data that forces the edge. */
  values: string[];
  /** The edge is (also) declared in `to`'s `after`. */
  declared: boolean;
}

export interface Handoff {
  from: string;
  to: string;
  /** False when `to` never waits for `from`: the serial hand-off is dropped and both run in parallel. */
  kept: boolean;
  /** The values flowing directly from `from` to `to`. */
  values: string[];
  declared: boolean;
  /** The chain of prerequisites that keeps the hand-off (`[from, to]` when direct); empty when dropped. */
  via: string[];
}

export interface RedundantAfter {
  /** JSON path of the `after` entry, e.g. `$.steps[3].after[0]`. */
  path: string;
  step: string;
  after: string;
  /** Non-empty when the `after` duplicates a data dependency: the values that already force it. */
  values: string[];
  /** The chain that implies it (`[after, step]` for a data dependency). */
  via: string[];
}
