import { listedFieldErrors } from '../common/domain.exception.js';
import { contentHash } from './definition-graph.util.js';
import {
  validateDefinition,
  type ValidateOptions,
  type ValidationResult,
} from './validate-definition.util.js';

export interface CheckOptions extends ValidateOptions {
  /** Whether a calendar of that name is known. */
  hasCalendar: (name: string) => boolean;
}

/**
 * Everything that decides whether a document can be registered: its shape, graph and rules, plus the calendar it
 * names. The service and the command-line tool both call this, so they accept and refuse the same documents.
 */
export function checkDefinition(document: unknown, options: CheckOptions): ValidationResult {
  const { hasCalendar, ...validateOptions } = options;
  const result = validateDefinition(document, validateOptions);
  const calendar = (document as { calendar?: unknown } | null)?.calendar;
  if (typeof calendar === 'string' && calendar !== '' && !hasCalendar(calendar)) {
    const errors = [
      ...result.errors,
      { path: '$.calendar', message: `names no known calendar (${calendar})` },
    ];
    return { definition: null, errors };
  }
  return result;
}

export interface CheckedDefinition extends ValidationResult {
  /** The definition's content hash, which tells an identical re-registration; null when it is invalid. */
  hash: string | null;
}

/**
 * `checkDefinition` and the hash a registration stores: one call, on whichever thread checks. The errors are those a
 * problem lists (`listedFieldErrors`), so that a hundred thousand of them never cross from the checker's thread.
 */
export function checkAndHash(document: unknown, options: CheckOptions): CheckedDefinition {
  const { definition, errors } = checkDefinition(document, options);
  return { definition, errors: listedFieldErrors(errors), hash: definition ? contentHash(definition) : null };
}
