import type { ValidateFunction } from 'ajv';
import type { AnyStateMachine } from 'xstate';
import type { Analysis, Commitment, StepDefinition, WorkflowDefinition } from './definition.types.js';

/** Everything derived from one stored version, built once and cached: versions are immutable. */
export interface CompiledWorkflow {
  key: string;
  version: number;
  definition: WorkflowDefinition;
  /** The time zone of the workflow's calendar, in which its due times are shown; null without a calendar. */
  timeZone: string | null;
  /** The document as registered, defaults not filled in: what `GET /workflows/{key}` shows. */
  document: WorkflowDefinition;
  dependencies: Record<string, string[]>;
  /** Step ids, every step after its prerequisites. */
  order: string[];
  analysis: Analysis;
  /** The committed time of an application that skips these steps (ids in document order), remembered per set. */
  commitment(skipped: readonly string[]): Commitment;
  machine: AnyStateMachine;
  validateForm: ValidateFunction;
  step(id: string): StepDefinition;
}
