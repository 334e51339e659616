/** JSON merge patch (RFC 7396) and the paths two JSON documents differ at: plain functions, no I/O. */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7396: objects merge member by member, `null` removes a member, anything else replaces the target. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}

/**
 * Dotted paths (`applicant.name`) where `before` and `after` differ, down to the deepest object member that
 * differs; arrays and scalars compare whole.
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return names.flatMap((name) =>
      changedPaths(before[name], after[name], prefix ? `${prefix}.${name}` : name),
    );
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

/** True when reading `read` may see a change at `changed`: one path is the other or lies inside it. */
export function pathsOverlap(read: string, changed: string): boolean {
  return (
    read === changed || changed === '' || changed.startsWith(`${read}.`) || read.startsWith(`${changed}.`)
  );
}
