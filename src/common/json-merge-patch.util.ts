/** JSON merge patch (RFC 7396) and the paths two JSON documents differ at: plain functions, no I/O. */

import { canonicalJson } from './canonical-json.util.js';
import { setMember } from './json-copy.util.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A member of a JSON object: its own, never one it inherits. `{}.constructor` is Object and `{}.__proto__` is
 * Object.prototype, which a merge would otherwise take for a member already there.
 */
const own = (object: Record<string, unknown>, name: string): unknown =>
  Object.hasOwn(object, name) ? object[name] : undefined;

/**
 * RFC 7396: objects merge member by member, `null` removes a member, anything else replaces the target. Members
 * named like Object.prototype's (`constructor`, `__proto__`) are data like any other: set as own members, so none
 * changes the result's prototype.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else setMember(result, name, mergePatch(own(result, name), value));
  }
  return result;
}

/**
 * Dotted paths (`applicant.name`) where `before` and `after` differ, down to the deepest object member that
 * differs; arrays and scalars compare whole, by content: the order of an object's members never counts (a row read
 * back from jsonb has them in jsonb's order, the body as sent has the applicant's).
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return names.flatMap((name) =>
      changedPaths(own(before, name), own(after, name), prefix ? `${prefix}.${name}` : name),
    );
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [prefix];
}

/** True when `path` is `outer` or lies inside it (`owner.name` inside `owner`, not inside `own`). */
export function pathWithin(path: string, outer: string): boolean {
  return path === outer || path.startsWith(`${outer}.`);
}

/** True when reading `read` may see a change at `changed` (`''`, the whole document): one lies within the other. */
export function pathsOverlap(read: string, changed: string): boolean {
  return changed === '' || pathWithin(changed, read) || pathWithin(read, changed);
}
