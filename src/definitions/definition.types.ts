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

export interface Analysis {
  /** Unit of `serial` and `parallel`: `workingDays` when every limit is in working days, else `seconds`. */
  unit: 'workingDays' | 'seconds';
  serial: number;
  parallel: number;
  compression: number;
  criticalPath: string[];
  dependencies: Record<string, string[]>;
}
