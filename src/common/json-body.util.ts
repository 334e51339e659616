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
 * surrogate; and a `__proto__` key anywhere. Walks iteratively, so the check itself cannot overflow the stack, and in time linear in the document.
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
        // Harmless as JSON.parse makes it (an own member), but one careless copy away from setting a prototype, and
        // class-transformer drops it unnamed: refused wherever it appears, as a workflow definition refuses it.
        else if (key === '__proto__')
          problems.push({ path: childPath, message: 'is not allowed as a property name' });
        else
          pending.push({ value: (value as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
      }
    }
  }
  return problems;
}

interface Container {
  array: boolean;
  /** Properties (at each ':') or elements (at each value start) seen so far. */
  count: number;
  /** The key or index under which the container sits in its parent, for the path. */
  name: string;
  /** The last key read in this object, or the next index in this array. */
  key: string;
}

/**
 * The first object with more than `maxKeys` properties or array with more than `maxArrayLength` elements, found
 * by scanning the raw text before JSON.parse. Parsing such a document is itself the stall (an object of 95,000
 * numeric-looking keys takes V8 a quarter of a second), so it is refused before it is built. Linear, allocation
 * free but for the path; on malformed text it gives up (null) and leaves the verdict to JSON.parse.
 */
export function jsonStructureProblem(text: string, limits: JsonLimits): FieldError | null {
  const stack: Container[] = [];
  let expectingValue = true;
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      // Keys are short (MAX_KEY_LENGTH); only a key needs its text, for the path.
      lastString = i - start <= MAX_KEY_LENGTH ? text.slice(start, i) : '…';
      if (expectingValue && countValue()) return tooLong();
      expectingValue = false;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      if (expectingValue && countValue()) return tooLong();
      const array = c === 0x5b;
      const name = parent ? (parent.array ? String(parent.count - 1) : parent.key) : '';
      stack.push({ array, count: 0, name, key: '' });
      expectingValue = true;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectingValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x3a /* : */) {
      if (!top || top.array) return null;
      top.count++;
      top.key = lastString;
      if (top.count > limits.maxKeys)
        return { path: pathOf(stack), message: `has more than ${limits.maxKeys} properties` };
      expectingValue = true;
      continue;
    }
    if (c === 0x2c /* , */) {
      expectingValue = true;
      continue;
    }
    if (c > 0x20 && expectingValue) {
      // A number, true, false or null starts.
      if (countValue()) return tooLong();
      expectingValue = false;
    }
  }
  return null;

  /** Counts an element of the innermost array; true when that passes the limit. */
  function countValue(): boolean {
    const top = stack[stack.length - 1];
    if (!top?.array) return false;
    top.count++;
    return top.count > limits.maxArrayLength;
  }

  function tooLong(): FieldError {
    return { path: pathOf(stack), message: `has more than ${limits.maxArrayLength} elements` };
  }
}

/** A key as the raw text held it (escapes and all), decoded as JSON.parse would. */
function unescape(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function pathOf(stack: Container[]): string {
  let path = '$';
  stack.forEach((container, depth) => {
    if (depth === 0) return;
    const parent = stack[depth - 1]!;
    path = parent.array ? `${path}[${container.name}]` : `${path}.${unescape(container.name)}`;
  });
  return path;
}
