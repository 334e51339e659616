import type { FieldError } from './domain.exception.js';

/** Deeper documents are refused: nothing in the API nests this far, and deep recursion downstream overflows. */
export const MAX_JSON_DEPTH = 64;

/** Sizes a document may reach; from configuration (JSON_MAX_KEYS, JSON_MAX_ARRAY_LENGTH, JSON_MAX_STRING_LENGTH). */
export interface JsonLimits {
  maxKeys: number;
  maxArrayLength: number;
  maxStringLength: number;
}

const UNLIMITED: JsonLimits = { maxKeys: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity };

/** Property names longer than this are refused whatever JSON_MAX_STRING_LENGTH says: no form has such keys. */
export const MAX_KEY_LENGTH = 1000;

const NUL = '\u0000';
const MAX_PROBLEMS = 20;

/**
 * Problems PostgreSQL or the validators would otherwise meet as a 500 or a long stall: nesting past MAX_JSON_DEPTH;
 * objects, arrays and strings past `limits`; numbers JSON.parse turned into ±Infinity (`1e309`, which jsonb would
 * store as null); and strings (keys or values) that jsonb cannot store — a NUL character or a lone UTF-16
 * surrogate. Walks iteratively, so the check itself cannot overflow the stack, and in time linear in the document.
 */
export function jsonBodyProblems(body: unknown, limits: JsonLimits = UNLIMITED): FieldError[] {
  const problems: FieldError[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '$', depth: 0 }];
  const maxKeyLength = Math.min(limits.maxStringLength, MAX_KEY_LENGTH);
  const stringProblem = (s: string, max = limits.maxStringLength): string | null =>
    s.length > max
      ? `is longer than ${max} characters`
      : s.includes(NUL) || !s.isWellFormed()
        ? 'contains a NUL character or an unpaired surrogate'
        : null;
  while (pending.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) problems.push({ path, message: problem });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push({ path, message: 'is a number too large to store' });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        problems.push({ path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
        continue;
      }
      if (Array.isArray(value)) {
        if (value.length > limits.maxArrayLength) {
          problems.push({ path, message: `has more than ${limits.maxArrayLength} elements` });
          continue;
        }
        value.forEach((child, i) => pending.push({ value: child, path: `${path}[${i}]`, depth: depth + 1 }));
        continue;
      }
      const keys = Object.keys(value);
      if (keys.length > limits.maxKeys) {
        problems.push({ path, message: `has more than ${limits.maxKeys} properties` });
        continue;
      }
      for (const key of keys) {
        const problem = stringProblem(key, maxKeyLength);
        // A key too long is named by its parent: quoting it back would repeat the problem.
        const childPath = key.length > maxKeyLength ? path : `${path}.${key}`;
        if (problem) problems.push({ path: childPath, message: `has a key that ${problem}` });
        else
          pending.push({ value: (value as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
      }
    }
  }
  return problems;
}
