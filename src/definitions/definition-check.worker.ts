import 'reflect-metadata';
import { serveInWorker } from '../common/worker-thread.util.js';
import { checkDefinition, type CheckOptions } from './check-definition.util.js';
import { contentHash } from './definition-graph.util.js';
import type { DefinitionError, WorkflowDefinition } from './definition.types.js';

/** A document to check, with CheckOptions as plain data: the calendars the process knows, by name. */
export interface DefinitionCheckRequest {
  document: unknown;
  options: Omit<CheckOptions, 'hasCalendar'> & { calendars: string[] };
}

export interface DefinitionCheckReply {
  definition: WorkflowDefinition | null;
  errors: DefinitionError[];
  /** The definition's content hash; null when it is invalid. */
  hash: string | null;
}

/** A worker thread's entry (WorkerThread in src/common): checks and hashes one document per call. */
serveInWorker(({ document, options }: DefinitionCheckRequest): DefinitionCheckReply => {
  const { calendars, ...rest } = options;
  const known = new Set(calendars);
  const { definition, errors } = checkDefinition(document, {
    ...rest,
    hasCalendar: (name) => known.has(name),
  });
  return { definition, errors, hash: definition ? contentHash(definition) : null };
});
