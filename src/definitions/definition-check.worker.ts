import 'reflect-metadata';
import { serveInWorker } from '../common/worker-thread.util.js';
import { checkAndHash, type CheckedDefinition, type CheckOptions } from './check-definition.util.js';

/** A document to check, with CheckOptions as plain data: the calendars the process knows, by name. */
export interface DefinitionCheckRequest {
  document: unknown;
  options: Omit<CheckOptions, 'hasCalendar'> & { calendars: string[] };
}

/** A worker thread's entry (WorkerThread in src/common): checks and hashes one document per call. */
serveInWorker(({ document, options }: DefinitionCheckRequest): CheckedDefinition => {
  const { calendars, ...rest } = options;
  const known = new Set(calendars);
  return checkAndHash(document, { ...rest, hasCalendar: (name) => known.has(name) });
});
