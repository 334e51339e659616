import { safeRegex } from 'safe-regex2';
import type { DefinitionError } from './definition.types.js';
import { childPath } from '../rules/json-logic.util.js';

/** A `pattern` applies only to strings no longer than this, so even a polynomial pattern stays cheap. */
export const PATTERN_MAX_STRING_LENGTH = 1000;
/** `uniqueItems` over objects or arrays compares every pair: allowed only on arrays this short. */
export const UNIQUE_ITEMS_MAX_ITEMS = 100;

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * What in a form schema Ajv could not evaluate in bounded time, with its JSON path:
 * - a `pattern` or `patternProperties` key that can backtrack exponentially (nested quantifiers, a repeated group
 *   with alternatives, backreferences);
 * - a `pattern` with unbounded repetition (`*`, `+`, `{n,}`) without a `maxLength` of at most
 *   PATTERN_MAX_STRING_LENGTH beside it: even one such quantifier can make a search quadratic in the string;
 * - `uniqueItems` on an array whose items may be objects or arrays (Ajv compares them pairwise) without a
 *   `maxItems` of at most UNIQUE_ITEMS_MAX_ITEMS.
 */
export function formSafetyErrors(schema: unknown, path = '$.form'): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const pending: { node: unknown; path: string }[] = [{ node: schema, path }];
  while (pending.length > 0) {
    const { node, path: at } = pending.pop()!;
    if (Array.isArray(node)) {
      node.forEach((item, i) => pending.push({ node: item, path: `${at}[${i}]` }));
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    if (typeof record.pattern === 'string') {
      const problem = regexProblem(record.pattern);
      if (problem) errors.push({ path: childPath(at, 'pattern'), message: problem });
      else if (
        hasUnboundedRepetition(record.pattern) &&
        !(typeof record.maxLength === 'number' && record.maxLength <= PATTERN_MAX_STRING_LENGTH)
      ) {
        errors.push({
          path: childPath(at, 'pattern'),
          message: `needs a maxLength of at most ${PATTERN_MAX_STRING_LENGTH} beside it, so matching stays cheap`,
        });
      }
    }
    const patternProperties = record.patternProperties;
    if (
      patternProperties !== null &&
      typeof patternProperties === 'object' &&
      !Array.isArray(patternProperties)
    ) {
      for (const key of Object.keys(patternProperties)) {
        const problem = regexProblem(key);
        if (problem)
          errors.push({ path: childPath(childPath(at, 'patternProperties'), key), message: problem });
      }
    }
    if (record.uniqueItems === true && !scalarItems(record.items)) {
      const maxItems = record.maxItems;
      if (!(typeof maxItems === 'number' && maxItems <= UNIQUE_ITEMS_MAX_ITEMS)) {
        errors.push({
          path: childPath(at, 'uniqueItems'),
          message: `needs items of a scalar type, or a maxItems of at most ${UNIQUE_ITEMS_MAX_ITEMS}: objects and arrays are compared pairwise`,
        });
      }
    }
    for (const [key, child] of Object.entries(record)) {
      // Values of these keywords are data, not schemas.
      if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
      pending.push({ node: child, path: childPath(at, key) });
    }
  }
  return errors;
}

/** Ajv's fast path for uniqueItems: every item type is known and scalar. */
function scalarItems(items: unknown): boolean {
  if (items === null || typeof items !== 'object' || Array.isArray(items)) return false;
  const type = (items as { type?: unknown }).type;
  const types = Array.isArray(type) ? type : [type];
  return types.length > 0 && types.every((t) => typeof t === 'string' && SCALAR_TYPES.has(t));
}

/** Why a pattern cannot be matched in linear time, or null. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length > 1000) return 'is longer than 1000 characters';
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'may not use backreferences: they can take exponential time';
  if (!safeRegex(pattern, { limit: 25 }) || repeatsAlternatives(pattern)) {
    return 'can take exponential time on some inputs (nested or ambiguous repetition); simplify it';
  }
  return null;
}

/** A repeated group that holds alternatives, like `(a|ab)*`: safe-regex2 does not see this ambiguity. */
function repeatsAlternatives(pattern: string): boolean {
  const groups: boolean[] = []; // per open group: does it hold a `|`?
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // Skip the character class; `]` right after `[` or `[^` is a literal.
      i += pattern[i + 1] === '^' ? 2 : 1;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === '|') {
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (c === ')') {
      const hasAlternatives = groups.pop() ?? false;
      if (hasAlternatives && repeated(pattern, i + 1)) return true;
      if (hasAlternatives && groups.length > 0) groups[groups.length - 1] = true;
    }
  }
  return false;
}

/** Whether the pattern holds `*`, `+` or `{n,}` outside a character class. */
export function hasUnboundedRepetition(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') {
      i += pattern[i + 1] === '^' ? 2 : 1;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (c === '*' || c === '+' || (c === '{' && /^\{\d+,\}/.test(pattern.slice(i)))) return true;
  }
  return false;
}

function repeated(pattern: string, at: number): boolean {
  const next = pattern[at];
  if (next === '*' || next === '+') return true;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
  if (!braces) return false;
  return braces[2] !== undefined && (braces[3] === '' || Number(braces[3]) > 1);
}
