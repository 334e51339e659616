import { pathsOverlap } from '../common/json-merge-patch.util.js';

/**
 * Where a form's personal data is (`"x-pii": true` on a property) and how its values are replaced in application
 * data: by a sealed envelope at rest, by a mask for callers not allowed to see them, by an empty envelope once
 * purged. Pure: the cryptography is passed in.
 */

/** What a caller not allowed to see a personal value, and everyone after the purge, sees in its place. */
export const PII_MASK = '***';

/** A personal value at rest: `{ "$pii": "v1.…" }`; `{ "$pii": null }` once the retention purge erased it. */
export interface SealedEnvelope {
  $pii: string | null;
}

export function isEnvelope(value: unknown): value is SealedEnvelope {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const inner = (value as { $pii?: unknown }).$pii;
  return keys.length === 1 && keys[0] === '$pii' && (inner === null || typeof inner === 'string');
}

const cache = new WeakMap<object, string[]>();

/**
 * Dotted paths of the form properties marked `"x-pii": true`, reached through `properties` only (what
 * `misplacedPii` lets a definition register). A marked object is personal as a whole: nothing below it is listed.
 */
export function piiFieldPaths(form: unknown): string[] {
  if (!isRecord(form)) return [];
  const cached = cache.get(form);
  if (cached) return cached;
  const paths: string[] = [];
  const walk = (schema: Record<string, unknown>, prefix: string): void => {
    const properties = schema.properties;
    if (!isRecord(properties)) return;
    for (const [name, child] of Object.entries(properties)) {
      if (!isRecord(child)) continue;
      if (child['x-pii'] === true) paths.push(prefix + name);
      else walk(child, `${prefix}${name}.`);
    }
  };
  walk(form, '');
  cache.set(form, paths);
  return paths;
}

/**
 * JSON paths (under `base`) of `x-pii` marks the engine would not honour: a value other than `true`, or a mark
 * not reached through `properties` alone (inside `items`, `allOf`, `$defs`…, or below an already marked
 * property). Values there could not be found by path, so they would stay in plain text: refused at registration.
 */
export function misplacedPii(form: unknown, base = '$.form'): string[] {
  const honoured = new Set<unknown>();
  const mark = (schema: unknown): void => {
    if (!isRecord(schema) || !isRecord(schema.properties)) return;
    for (const child of Object.values(schema.properties)) {
      if (!isRecord(child)) continue;
      if (child['x-pii'] === true) honoured.add(child);
      else mark(child);
    }
  };
  mark(form);
  const misplaced: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`));
      return;
    }
    if (!isRecord(node)) return;
    if ('x-pii' in node && (node['x-pii'] !== true || !honoured.has(node))) misplaced.push(`${path}.x-pii`);
    for (const [key, child] of Object.entries(node)) visit(child, `${path}.${key}`);
  };
  visit(form, base);
  return misplaced;
}

/**
 * A copy of `data` with the value at each path (when present) replaced by `replace(value, path)`. Objects on the
 * way are copied, nothing else is: the input is never changed. One walk over the paths' tree copies each object at
 * most once, so the cost is the paths plus the objects they cross, never their product (a form may mark thousands
 * of properties of one large object). A path below another listed path is not reached (`piiFieldPaths` lists none).
 */
export function replaceAt(
  data: Record<string, unknown>,
  paths: readonly string[],
  replace: (value: unknown, path: string) => unknown,
): Record<string, unknown> {
  return replaceIn(data, pathTree(paths), replace);
}

/** Path segments as a tree; a leaf holds the whole path. */
type PathTree = Map<string, PathTree | string>;

const trees = new WeakMap<readonly string[], PathTree>();

/** The tree of `paths`, built once per list (`piiFieldPaths` returns the same list for the same form). */
function pathTree(paths: readonly string[]): PathTree {
  const cached = trees.get(paths);
  if (cached) return cached;
  const root: PathTree = new Map();
  for (const path of paths) {
    const segments = path.split('.');
    let node: PathTree | undefined = root;
    for (const segment of segments.slice(0, -1)) {
      let next: PathTree | string | undefined = node.get(segment);
      if (next === undefined) node.set(segment, (next = new Map()));
      node = typeof next === 'string' ? undefined : next;
      if (node === undefined) break;
    }
    node?.set(segments[segments.length - 1]!, path);
  }
  trees.set(paths, root);
  return root;
}

function replaceIn(
  node: Record<string, unknown>,
  tree: PathTree,
  replace: (value: unknown, path: string) => unknown,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [segment, below] of tree) {
    if (!Object.hasOwn(node, segment)) continue;
    const value = node[segment];
    let next: unknown;
    if (typeof below === 'string') next = replace(value, below);
    else if (isRecord(value)) next = replaceIn(value, below, replace);
    if (next === undefined || next === value) continue;
    copy ??= { ...node };
    // Defined, never assigned: a `__proto__` key stays a plain property.
    Object.defineProperty(copy, segment, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy ?? node;
}

/**
 * Every personal value replaced by its envelope, whatever it holds. The data sealed is always in the clear (the
 * event path opens what it stores), so a value shaped like an envelope is one an applicant sent under a field marked
 * as a whole: kept as it came, it would be stored as ciphertext that never opens, and every read of it would fail.
 */
export function sealData(
  data: Record<string, unknown>,
  paths: readonly string[],
  seal: (value: unknown, path: string) => string,
): Record<string, unknown> {
  return replaceAt(data, paths, (value, path) => ({ $pii: seal(value, path) }));
}

/**
 * Every envelope opened; an erased one reads as the mask. A value in the clear (stored before its field was
 * marked, or before this version) is returned as it is.
 */
export function openData(
  data: Record<string, unknown>,
  paths: readonly string[],
  open: (sealed: string, path: string) => unknown,
): Record<string, unknown> {
  return replaceAt(data, paths, (value, path) =>
    isEnvelope(value) ? (value.$pii === null ? PII_MASK : open(value.$pii, path)) : value,
  );
}

/** What a caller not allowed to see personal data reads: every personal value, sealed or not, as the mask. */
export function maskData(data: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  return replaceAt(data, paths, () => PII_MASK);
}

/** The retention purge: every personal value becomes an empty envelope, the ciphertext gone with the key. */
export function eraseData(data: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  return replaceAt(data, paths, () => ({ $pii: null }));
}

/** True when reading the dotted variable `name` may show a personal value (it is one, or contains one). */
export function readsPii(name: string, paths: readonly string[]): boolean {
  return paths.some((path) => pathsOverlap(path, name));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
