import type { FieldError } from './domain.exception.js';

/** Deeper documents are refused: nothing in the API nests this far, and deep recursion downstream overflows. */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';

/**
 * Problems PostgreSQL or the validators would otherwise meet as a 500: nesting past MAX_JSON_DEPTH, and strings
 * (keys or values) that jsonb cannot store — a NUL character or a lone UTF-16 surrogate. Walks iteratively, so the
 * check itself cannot overflow the stack.
 */
export function jsonBodyProblems(body: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '$', depth: 0 }];
  const badString = (s: string) => s.includes(NUL) || !s.isWellFormed();
  while (pending.length > 0 && problems.length < 20) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (badString(value))
        problems.push({ path, message: 'contains a NUL character or an unpaired surrogate' });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        problems.push({ path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
        if (!Array.isArray(value) && badString(key)) {
          problems.push({
            path: childPath,
            message: 'has a key with a NUL character or an unpaired surrogate',
          });
        }
        pending.push({ value: child, path: childPath, depth: depth + 1 });
      }
    }
  }
  return problems;
}
