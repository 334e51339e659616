// The resubmission form's logic, without the DOM: which fields to show, how each is edited, what an edit sends,
// and where the API's complaints go. The status page draws it; the browser tests call it directly.

/** A number input's draft when what was typed is not a number (the input then reads as empty). */
export const NOT_A_NUMBER = Symbol('not a number');

/** Follows a dotted path from `root`, one key at a time with `next`; undefined once a step finds nothing. */
function walk(root, path, next) {
  let node = root;
  for (const key of path.split('.')) {
    node = next(node, key);
    if (node === undefined) return undefined;
  }
  return node;
}
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const schemaAt = (schema, path) => walk(schema, path, (node, key) => node?.properties?.[key]);
const valueAt = (data, path) => walk(data, path, (node, key) => (isObject(node) ? node[key] : undefined));
const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * How a field is edited: by its type in the form, or where the form does not say, by the value on file; as text
 * when neither says (a field asked for because it is missing).
 */
function kindOf(schema, current) {
  if (Array.isArray(schema?.enum)) return 'enum';
  const declared = Array.isArray(schema?.type) ? schema.type.find((x) => x !== 'null') : schema?.type;
  const type = declared ?? (current === null || current === undefined ? 'string' : typeof current);
  return ['string', 'number', 'integer', 'boolean'].includes(type) ? type : 'json';
}

/**
 * The fields to correct: each path the departments named, once, without those inside another named one
 * (`applicant.name` when `applicant` is named too), since the parent's input holds them; each with its schema in
 * the form, its value on file and how it is edited.
 */
export function fieldsToCorrect(named, form, data) {
  const paths = [...new Set(named)];
  return paths
    .filter((path) => !paths.some((other) => path.startsWith(`${other}.`)))
    .map((path) => {
      const schema = schemaAt(form, path);
      const current = valueAt(data, path);
      return { path, schema, current, kind: kindOf(schema, current) };
    });
}

export class FieldError extends Error {
  /** `key`: the message's key in the page's strings. */
  constructor(path, key) {
    super(key);
    this.path = path;
    this.key = key;
  }
}

/**
 * The value a field's draft (what the applicant typed: text, a checkbox's boolean, an option's JSON) sends;
 * undefined when there is no draft or it holds what is on file. A FieldError when the draft is not a value.
 */
export function draftValue({ path, current, kind }, draft) {
  if (draft === undefined) return undefined;
  let value;
  if (kind === 'boolean') value = draft;
  else if (kind === 'enum') {
    if (draft === '') return undefined;
    value = JSON.parse(draft);
  } else if (kind === 'number' || kind === 'integer') {
    if (draft === NOT_A_NUMBER || !Number.isFinite(Number(draft)))
      throw new FieldError(path, 'status.notNumber');
    value = draft.trim() === '' ? null : Number(draft);
  } else if (kind === 'json') {
    try {
      value = draft.trim() === '' ? null : JSON.parse(draft);
    } catch {
      throw new FieldError(path, 'status.notJson');
    }
  } else value = draft;
  // Emptying a field that holds nothing changes nothing.
  if ((value === null || value === '') && (current === undefined || current === null)) return undefined;
  return sameJson(value, current) ? undefined : value;
}

/**
 * The merge patch (RFC 7396) that turns `from` into `to`: an object is patched member by member, and a member `to`
 * lacks is removed (`null`); anything else is replaced whole.
 */
export function diffPatch(from, to) {
  if (!isObject(from) || !isObject(to)) return to;
  const patch = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (!sameJson(from[key], value)) patch[key] = diffPatch(from[key], value);
  }
  return patch;
}

/** The resubmission's `data`: each changed field's patch at its dotted path (no path lies inside another). */
export function patchOf(changes) {
  const patch = {};
  for (const { path, current, value } of changes) {
    const keys = path.split('.');
    let node = patch;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys.at(-1)] = diffPatch(current, value);
  }
  return patch;
}

/**
 * The field an API complaint is about: `$.data.applicant.name` or `$.data.tags[0]` belongs to the field that is, or
 * holds, that path; undefined for a complaint about no field shown.
 */
export function fieldOfComplaint(problemPath, fields) {
  const path = /^\$\.data\.(.+)$/.exec(problemPath ?? '')?.[1]?.replace(/\[(\d+)\]/g, '.$1');
  if (path === undefined) return undefined;
  return fields.find((f) => path === f.path || path.startsWith(`${f.path}.`))?.path;
}
