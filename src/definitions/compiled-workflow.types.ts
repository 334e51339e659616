import type { ValidateFunction } from 'ajv';
import type { AnyStateMachine } from 'xstate';
import type { Analysis, StepDefinition, WorkflowDefinition } from './definition.types.js';

/** Everything derived from one stored version, built once and cached: versions are immutable. */
export interface CompiledWorkflow {
  key: string;
  version: number;
  definition: WorkflowDefinition;
  dependencies: Record<string, string[]>;
  /** Step ids, every step after its prerequisites. */
  order: string[];
  analysis: Analysis;
  machine: AnyStateMachine;
  validateForm: ValidateFunction;
  step(id: string): StepDefinition;
}
