/**
 * What `JSON.parse(JSON.stringify(value))` gives, built without the text in between: a deep copy with every
 * `toJSON` applied (dates become ISO strings), members whose value JSON leaves out (undefined, functions,
 * symbols) left out, the same in arrays turned into null, numbers that are not finite turned into null and -0 into
 * 0. A bigint throws, as JSON.stringify does; a cycle overflows the stack, where JSON.stringify throws a TypeError.
 *
 * `weight` is the number of characters in the copy's strings and keys: a lower bound on its JSON's length that
 * costs nothing to keep, for callers that bound the memory a copy may hold.
 */
export function jsonCopy(value: unknown): { copy: unknown; weight: number } {
  const counter = { weight: 0 };
  const copy = copyValue(value, '', counter);
  return { copy, weight: counter.weight };
}

function copyValue(value: unknown, key: string, counter: { weight: number }): unknown {
  value = withToJson(value, key);
  switch (typeof value) {
    case 'string':
      counter.weight += value.length;
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'boolean':
      return value;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Number || value instanceof String || value instanceof Boolean)
    return copyValue(value.valueOf(), key, counter);
  if (Array.isArray(value))
    return Array.from(value as unknown[], (item, i) => copyValue(item, String(i), counter) ?? null);
  const object: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const member = copyValue((value as Record<string, unknown>)[name], name, counter);
    if (member === undefined) continue;
    counter.weight += name.length;
    setMember(object, name, member);
  }
  return object;
}

/** `value` after its `toJSON`, called as JSON.stringify calls it: on any object (functions too) or bigint. */
export function withToJson(value: unknown, key: string): unknown {
  if (
    (typeof value === 'object' && value !== null) ||
    typeof value === 'function' ||
    typeof value === 'bigint'
  ) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return (toJSON as (key: string) => unknown).call(value, key);
  }
  return value;
}

/**
 * Sets a member as JSON.parse and Object.fromEntries do, as an own property: an assignment to `__proto__` would set
 * the object's prototype instead.
 */
export function setMember(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  else object[name] = value;
}
