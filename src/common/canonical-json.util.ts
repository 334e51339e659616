import { setMember, withToJson } from './json-copy.util.js';

/**
 * JSON with object keys sorted at every depth, so equal content always hashes equally. Hash chains, checkpoints and
 * content hashes are stored with its output, so the text must never change: it is JSON.stringify's, with each
 * object (after its `toJSON`) written as a plain object of its own enumerable keys in code-unit order.
 */
export function canonicalJson(value: unknown): string {
  // The sorted copy is written by JSON.stringify without a replacer: its fast path, not a call back per member.
  return JSON.stringify(sorted(value, ''));
}

/**
 * `value` as JSON.stringify would see it after `toJSON`, with every object rebuilt with its keys sorted; what
 * JSON.stringify would leave out (functions, symbols) becomes undefined, which it then leaves out or writes null.
 */
function sorted(value: unknown, key: string): unknown {
  value = withToJson(value, key);
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Array.from(value as unknown[], (item, i) => sorted(item, String(i)));
  const object: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort())
    setMember(object, name, sorted((value as Record<string, unknown>)[name], name));
  return object;
}
