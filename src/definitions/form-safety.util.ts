import { safeRegex } from 'safe-regex2';
import type { DefinitionError } from './definition.types.js';
import { childPath } from '../rules/json-logic.util.js';
import { MAX_KEY_LENGTH, type JsonLimits } from '../common/json-body.util.js';

/**
 * A pattern with an unbounded repetition (`*`, `+`, `{n,}`) runs only on strings no longer than this, nor than the
 * maxLength beside it: the validator's guard (`repetitionGuardedRegExp`, with patternGuardLengths) does not run it on
 * a longer one, which fails that maxLength anyway.
 */
export const PATTERN_MAX_STRING_LENGTH = 1000;
/**
 * A search for a pattern may take about n steps per unbounded repetition, times the span of each bounded one
 * (`{n,m}`: m - n + 1), times n more when it is not anchored with `^`, on a string of n characters; this bounds
 * that product. About 30 ms on the reference machine, at worst.
 */
export const PATTERN_MAX_STEPS = 20_000_000;
/**
 * The product of the spans of a pattern's bounded repetitions, when it has no unbounded one: such a pattern runs on
 * strings of any length, so its cost per position must stay small.
 */
export const PATTERN_MAX_BOUNDED_SPANS = 200;
/**
 * Subschemas one check of the form may evaluate, counted through every `$ref`: a form that names one definition
 * from two branches at each of many levels would be checked an exponential number of times.
 */
export const FORM_MAX_EVALUATIONS = 20_000;
/**
 * The steps (as PATTERN_MAX_STEPS counts them) all the patterns of a form may take on one submission: each pattern's
 * cost on its longest string, times the strings it can meet in one document (the maxItems and maxProperties of the
 * arrays and objects that hold it, or the body's limits where they give none). A pattern that passed the bound for
 * one string, `^a*a*a*$` beside a maxLength of 271, blocked the event loop 9.5 to 12.6 s on 1,000 such strings in
 * one array. At 0.5 to 0.8 ns a step once V8 has compiled a pattern, the worst submission takes 20 to 30 ms; a
 * pattern's first search is interpreted and slower (58 ms for two strings at the bound on a fresh validator).
 */
export const FORM_MAX_PATTERN_STEPS = 40_000_000;
/** What bounds one submission: the body's JSON limits, and its size in bytes (BODY_LIMIT_BYTES). */
export interface FormLimits extends JsonLimits {
  maxBodyBytes: number;
}
/** The body's limits (JSON_MAX_ARRAY_LENGTH, JSON_MAX_KEYS, JSON_MAX_STRING_LENGTH, BODY_LIMIT_BYTES) at their defaults. */
export const DEFAULT_JSON_LIMITS: FormLimits = {
  maxArrayLength: 1000,
  maxKeys: 1000,
  maxStringLength: 100_000,
  maxBodyBytes: 1_048_576,
};
/** The fewest bytes a string takes in a JSON body beside its characters: two quotes and a separator. */
const JSON_STRING_OVERHEAD = 3;
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
 *   `maxItems` of at most UNIQUE_ITEMS_MAX_ITEMS;
 * - a pattern whose repeated parts make its search too costly for its maxLength (PATTERN_MAX_STEPS), and a key of
 *   patternProperties that would be for a property name of PATTERN_MAX_STRING_LENGTH characters;
 * - a `$ref` that leads back to a schema that holds it (a recursive form: with the branches of `oneOf` or `anyOf`
 *   its check grows exponentially with the data's depth), one that is not a JSON pointer into the form, and a form
 *   whose checking would evaluate more than FORM_MAX_EVALUATIONS subschemas, counted through its `$ref`s;
 * - when it has none of these, patterns that together could take more than FORM_MAX_PATTERN_STEPS on one submission
 *   (patternCostErrors): `limits` are the body's, which bound arrays and objects whose schema does not.
 */
export function formSafetyErrors(
  schema: unknown,
  path = '$.form',
  limits: FormLimits = DEFAULT_JSON_LIMITS,
): DefinitionError[] {
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
      const problem = regexProblem(record.pattern) ?? boundedRepetitionProblem(record.pattern);
      const longest = longestStringFor(record.pattern);
      if (problem) errors.push({ path: childPath(at, 'pattern'), message: problem });
      else if (longest !== null && !(typeof record.maxLength === 'number' && record.maxLength <= longest)) {
        errors.push({
          path: childPath(at, 'pattern'),
          message: `needs a maxLength of at most ${longest} beside it, so matching stays cheap`,
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
        const longest = longestStringFor(key);
        const problem =
          regexProblem(key) ??
          boundedRepetitionProblem(key) ??
          (longest !== null && longest < PATTERN_MAX_STRING_LENGTH
            ? `repeats too many parts to be matched cheaply on a property name of ${PATTERN_MAX_STRING_LENGTH} characters; simplify it`
            : null);
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
  errors.push(...evaluationErrors(schema, path));
  // Counted only on a form otherwise sound: its walk through `$ref`s is then bounded by FORM_MAX_EVALUATIONS.
  return errors.length > 0 ? errors : patternCostErrors(schema, path, limits);
}

/** An array or object that holds a pattern's strings, and how many it may hold. */
interface Holder {
  path: string;
  keyword: 'maxItems' | 'maxProperties';
  /** The schema's own bound (at most the body's), or the body's. */
  bound: number;
  /** Whether the schema gives a bound. */
  given: boolean;
}

/** One place a pattern runs: on each value or property name its holders let one document have there. */
interface PatternUse {
  path: string;
  pattern: string;
  /** The longest string it runs on (see PATTERN_MAX_STRING_LENGTH and patternGuardLengths). */
  longest: number;
  /** Whether a `maxLength` beside it would shorten that: false for a key of patternProperties. */
  lengthBounded: boolean;
  /** How often each string meets it: Ajv matches a key of patternProperties again for additionalProperties. */
  times: number;
  onKeys: boolean;
  holders: Holder[];
}

/** The steps of one search for `pattern` in a string of n characters, as longestStringFor counts them. */
export function patternSteps(pattern: string, n: number): number {
  return stepsOf(pattern)(n);
}

/** patternSteps of one pattern, read once: the validator asks it for every string it matches. */
export function stepsOf(pattern: string): (n: number) => number {
  const { unbounded, spans } = repetitions(pattern);
  const anchored = pattern.startsWith('^');
  return (n) =>
    (anchored ? 1 : n) * n ** unbounded * spans.reduce((product, span) => product * Math.min(n, span), 1);
}

/**
 * Where each pattern of a form runs, through its `$ref`s, with the arrays and objects that hold it. `items`,
 * `contains` and `unevaluatedItems` apply to every element of an array; `additionalProperties`,
 * `unevaluatedProperties`, `propertyNames` and the keys and subschemas of `patternProperties` to every property of an
 * object. A `$ref` that leads back is not followed (evaluationErrors refuses it).
 */
export function patternUses(form: unknown, path = '$.form', limits = DEFAULT_JSON_LIMITS): PatternUse[] {
  const uses: PatternUse[] = [];
  const keyLength = Math.min(MAX_KEY_LENGTH, limits.maxStringLength);
  const expanding = new Set<object>();
  const visit = (node: unknown, at: string, holders: Holder[], onKeys: boolean): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || expanding.has(node)) return;
    expanding.add(node);
    const schema = node as Record<string, unknown>;
    const bounded = (pattern: string, longest: number) =>
      Math.min(longest, repetitions(pattern).unbounded > 0 ? PATTERN_MAX_STRING_LENGTH : Infinity);
    if (typeof schema.pattern === 'string') {
      const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
      uses.push({
        path: childPath(at, 'pattern'),
        pattern: schema.pattern,
        longest: bounded(schema.pattern, Math.min(maxLength, onKeys ? keyLength : limits.maxStringLength)),
        lengthBounded: true,
        times: 1,
        onKeys,
        holders,
      });
    }
    const holder = (keyword: 'maxItems' | 'maxProperties', body: number): Holder[] => {
      const own = schema[keyword];
      const given = typeof own === 'number';
      return [...holders, { path: at, keyword, bound: given ? Math.min(own, body) : body, given }];
    };
    const inArray = holder('maxItems', limits.maxArrayLength);
    const inObject = holder('maxProperties', limits.maxKeys);
    for (const [key, child] of Object.entries(schema)) {
      const childAt = childPath(at, key);
      const members = (within: Holder[], keys = onKeys) => {
        if (child === null || typeof child !== 'object' || Array.isArray(child)) return;
        for (const [name, sub] of Object.entries(child)) visit(sub, childPath(childAt, name), within, keys);
      };
      if (key === '$ref' && typeof child === 'string') {
        const target = resolvePointer(form, child, path);
        if (target) visit(target.node, target.path, holders, onKeys);
      } else if (key === 'properties' || key === 'dependentSchemas' || key === 'dependencies')
        members(holders);
      else if (key === 'patternProperties') {
        members(inObject, false);
        for (const pattern of Object.keys(child ?? {}))
          uses.push({
            path: childPath(childAt, pattern),
            pattern,
            longest: bounded(pattern, keyLength),
            lengthBounded: false,
            times: schema.additionalProperties === undefined ? 1 : 2,
            onKeys: true,
            holders: inObject,
          });
      } else if (key === 'additionalProperties' || key === 'unevaluatedProperties')
        visit(child, childAt, inObject, false);
      else if (key === 'propertyNames') visit(child, childAt, inObject, true);
      else if (key === 'items' || key === 'contains' || key === 'unevaluatedItems')
        visit(child, childAt, inArray, false);
      else if (key === 'not' || key === 'if' || key === 'then' || key === 'else')
        visit(child, childAt, holders, onKeys);
      else if (
        (key === 'prefixItems' || key === 'allOf' || key === 'anyOf' || key === 'oneOf') &&
        Array.isArray(child)
      )
        child.forEach((sub, i) => visit(sub, `${childAt}[${i}]`, holders, onKeys));
    }
    expanding.delete(node);
  };
  visit(form, path, [], false);
  return uses;
}

/**
 * The patterns of a form that together could take more than FORM_MAX_PATTERN_STEPS on one submission, each with what
 * would bring it within its share: the largest ones, until what is left is at most half the budget, each given the
 * rest of the budget in proportion to its cost. The advice bounds the innermost array or object that can bring it
 * there, else the maxLength beside the pattern.
 */
function patternCostErrors(form: unknown, path: string, limits: FormLimits): DefinitionError[] {
  const costed = patternUses(form, path, limits)
    .map((use) => {
      const held = use.holders.reduce((product, h) => product * h.bound, 1) * use.times;
      const inBody = stringsInBody(use.pattern, use.longest, limits.maxBodyBytes) * use.times;
      return {
        use,
        held,
        strings: Math.min(held, inBody),
        steps: patternSteps(use.pattern, use.longest),
        cost: 0,
      };
    })
    .map((c) => ({ ...c, cost: c.steps * c.strings }))
    .sort((a, b) => b.cost - a.cost);
  const total = costed.reduce((sum, c) => sum + c.cost, 0);
  if (total <= FORM_MAX_PATTERN_STEPS) return [];
  let rest = total;
  const named: typeof costed = [];
  for (const c of costed) {
    if (rest <= FORM_MAX_PATTERN_STEPS / 2) break;
    named.push(c);
    rest -= c.cost;
  }
  const share = FORM_MAX_PATTERN_STEPS - rest;
  const namedCost = total - rest;
  return named.map(({ use, held, strings, steps, cost }) => {
    const allowed = (share * cost) / namedCost;
    const advice: string[] = [];
    for (const h of [...use.holders].reverse()) {
      // What the holders allow, not the body: a lower bound must bring the cost down on its own.
      const most = Math.floor(allowed / ((steps * held) / h.bound));
      if (most < 1) continue;
      const what = h.keyword === 'maxItems' ? 'array' : 'object';
      advice.push(
        h.given
          ? `lower the ${h.keyword} of the ${what} at ${h.path} to at most ${most}`
          : `give the ${what} at ${h.path} a ${h.keyword} of at most ${most}`,
      );
      break;
    }
    if (use.lengthBounded) {
      const costAt = (n: number) =>
        patternSteps(use.pattern, n) *
        Math.min(held, stringsInBody(use.pattern, n, limits.maxBodyBytes) * use.times);
      let longest = 0;
      for (let step = 2 ** Math.floor(Math.log2(Math.max(use.longest, 1))); step >= 1; step /= 2)
        if (longest + step < use.longest && costAt(longest + step) <= allowed) longest += step;
      if (longest >= 1) advice.push(`lower the maxLength beside it to at most ${longest}`);
    }
    return {
      path: use.path,
      message:
        `may be matched on ${strings} ${use.onKeys ? 'property names' : 'strings'} of up to ${use.longest} ` +
        `characters in one submission, about ${cost} steps, where all the form's patterns may take ` +
        `${FORM_MAX_PATTERN_STEPS} together (they would take ${total}); ` +
        (advice.length > 0
          ? advice.join(', or ')
          : 'simplify it, or bound the arrays and objects that hold it') +
        ', so matching stays cheap',
    };
  });
}

/**
 * How many strings of `longest` characters one body holds, which bounds what a pattern costs on it: where a search's
 * steps grow at least as fast as the string (a repetition, or no `^`), its cost per byte is largest on the longest
 * strings, so no mix of shorter ones costs more. An anchored pattern without one costs at most the product of its
 * bounded spans on any string, and is bounded by its holders alone (Infinity here).
 */
function stringsInBody(pattern: string, longest: number, bodyBytes: number): number {
  const grows = repetitions(pattern).unbounded > 0 || !pattern.startsWith('^');
  return grows ? Math.max(1, Math.floor(bodyBytes / (longest + JSON_STRING_OVERHEAD))) : Infinity;
}

/**
 * The `$ref` problems of a form (see formSafetyErrors): each schema object is counted with every subschema a check
 * of it evaluates, through `$ref`s, once per way of reaching it. `$defs` are counted where they are referred to.
 */
function evaluationErrors(form: unknown, path: string): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const counted = new Map<object, number>();
  const expanding = new Set<object>();
  const count = (node: unknown, at: string): number => {
    if (node === null || typeof node !== 'object') return 0;
    const known = counted.get(node);
    if (known !== undefined) return known;
    expanding.add(node);
    let total = 1;
    const entries = Array.isArray(node)
      ? node.map((item, i) => [`[${i}]`, item] as const)
      : Object.entries(node).map(([key, child]) => [key, child] as const);
    for (const [key, child] of entries) {
      if (!Array.isArray(node) && NOT_EVALUATED.has(key)) continue;
      const childAt = Array.isArray(node) ? `${at}${key}` : childPath(at, key);
      if (key === '$dynamicRef' || key === '$recursiveRef') {
        errors.push({ path: childAt, message: 'is not accepted in a form; use $ref to a JSON pointer' });
      } else if (key === '$ref' && typeof child === 'string') {
        const target = resolvePointer(form, child, path);
        if (target === undefined)
          errors.push({
            path: childAt,
            message: 'must be a JSON pointer into the form, such as "#/$defs/address"',
          });
        else if (expanding.has(target.node as object)) {
          errors.push({
            path: childAt,
            message:
              'leads back to a schema that holds it: a recursive form is not accepted, as checking it can grow exponentially with the depth of the data',
          });
          total = Infinity;
        } else total += count(target.node, target.path);
      } else total += count(child, childAt);
      if (total === Infinity) break;
    }
    expanding.delete(node);
    counted.set(node, total);
    return total;
  };
  const evaluations = count(form, path);
  if (errors.length === 0 && evaluations > FORM_MAX_EVALUATIONS) {
    errors.push({
      path,
      message: `would evaluate ${evaluations} subschemas for each submission through its $refs, more than ${FORM_MAX_EVALUATIONS}; refer to shared definitions from fewer branches`,
    });
  }
  return errors;
}

/** Members whose values are data or definitions, not schemas evaluated where they sit. */
const NOT_EVALUATED = new Set(['enum', 'const', 'default', 'examples', '$defs', 'definitions']);

/** The value a `#/…` JSON pointer names in the form, with its path, or undefined. */
function resolvePointer(
  form: unknown,
  ref: string,
  formPath: string,
): { node: unknown; path: string } | undefined {
  if (ref === '#') return { node: form, path: formPath };
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = form;
  let path = formPath;
  for (const raw of ref.slice(2).split('/')) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined;
    path = Array.isArray(node) ? `${path}[${token}]` : childPath(path, token);
    node = (node as Record<string, unknown>)[token];
  }
  return { node, path };
}

/**
 * For each pattern with an unbounded repetition in a form, the longest string it need run on: the largest `maxLength`
 * beside it (at most PATTERN_MAX_STRING_LENGTH), or PATTERN_MAX_STRING_LENGTH where one occurrence has none or it is
 * a key of patternProperties. A longer string fails each schema that holds the pattern whatever the pattern says, so
 * the validator's guard (repetitionGuardedRegExp) does not run it there: the cost registration counts is then the
 * cost the validator can spend.
 */
export function patternGuardLengths(form: unknown): Map<string, number> {
  const lengths = new Map<string, number>();
  const allow = (pattern: string, longest: number) =>
    lengths.set(pattern, Math.max(lengths.get(pattern) ?? 0, longest));
  const pending: unknown[] = [form];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    if (typeof record.pattern === 'string' && repetitions(record.pattern).unbounded > 0) {
      const maxLength = record.maxLength;
      allow(
        record.pattern,
        typeof maxLength === 'number' && maxLength >= 0
          ? Math.min(Math.floor(maxLength), PATTERN_MAX_STRING_LENGTH)
          : PATTERN_MAX_STRING_LENGTH,
      );
    }
    const patternProperties = record.patternProperties;
    if (
      patternProperties !== null &&
      typeof patternProperties === 'object' &&
      !Array.isArray(patternProperties)
    )
      for (const key of Object.keys(patternProperties)) allow(key, PATTERN_MAX_STRING_LENGTH);
    for (const [key, child] of Object.entries(record))
      if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') pending.push(child);
  }
  return lengths;
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
      i = classEnd(pattern, i);
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

/**
 * The repetitions of a pattern outside character classes: how many are unbounded (`*`, `+`, `{n,}`), and the span
 * (m - n + 1) of each bounded one (`{n,m}`) above 1. An optional part (`?`) counts as a span of 2.
 */
export function repetitions(pattern: string): { unbounded: number; spans: number[] } {
  let unbounded = 0;
  const spans: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(pattern, i);
    else if (c === '*' || c === '+') unbounded++;
    // `?` after `(` opens a group's kind (`(?:`), after a quantifier makes it lazy; elsewhere it is optional.
    else if (c === '?' && !'(*+?}'.includes(pattern[i - 1] ?? '(')) spans.push(2);
    else if (c === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (braces?.[2] === undefined) continue;
      if (braces[3] === '') unbounded++;
      else if (Number(braces[3]) > Number(braces[1])) spans.push(Number(braces[3]) - Number(braces[1]) + 1);
    }
  }
  return { unbounded, spans };
}

/**
 * The longest string a pattern with an unbounded repetition may be searched in within PATTERN_MAX_STEPS (at most
 * PATTERN_MAX_STRING_LENGTH), for its sibling maxLength; null when it has none (see boundedRepetitionProblem).
 */
export function longestStringFor(pattern: string): number | null {
  if (repetitions(pattern).unbounded === 0) return null;
  const steps = (n: number) => patternSteps(pattern, n);
  let longest = 0;
  for (let step = 512; step >= 1; step /= 2)
    if (longest + step <= PATTERN_MAX_STRING_LENGTH && steps(longest + step) <= PATTERN_MAX_STEPS)
      longest += step;
  return longest;
}

/** Why a pattern without unbounded repetition repeats too much to run on strings of any length, or null. */
export function boundedRepetitionProblem(pattern: string): string | null {
  const { unbounded, spans } = repetitions(pattern);
  if (unbounded > 0) return null;
  const product = spans.reduce((p, span) => p * span, 1);
  return product > PATTERN_MAX_BOUNDED_SPANS
    ? `repeats its parts in too many ways (${product} > ${PATTERN_MAX_BOUNDED_SPANS}, the product of their {n,m} spans); narrow them or use * or + with a maxLength`
    : null;
}

/** The index of the `]` that closes the character class opening at `start`; `]` right after `[` or `[^` is a literal. */
function classEnd(pattern: string, start: number): number {
  let i = start + (pattern[start + 1] === '^' ? 2 : 1);
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i;
}

function repeated(pattern: string, at: number): boolean {
  const next = pattern[at];
  if (next === '*' || next === '+') return true;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
  if (!braces) return false;
  return braces[2] !== undefined && (braces[3] === '' || Number(braces[3]) > 1);
}
