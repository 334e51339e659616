import type { FactDefinition, JsonLogic } from '../definitions/definition.types.js';
import { PII_MASK, readsPii } from '../pii/pii-fields.util.js';
import { jsonLogicVars, readsComputedVar } from './json-logic.util.js';
import type { VarUse } from './json-logic.util.js';

/** What a rule reads and which facts, per rule object: see `analysed`. */
const analyses = new WeakMap<object, { vars: readonly VarUse[]; facts: readonly string[] }>();

/**
 * The variables a rule reads and the facts among them. A workflow version's rules never change, and the planner asks
 * about each open step's rule on every event, so the walk is made once per rule object.
 */
function analysed(rule: JsonLogic): { vars: readonly VarUse[]; facts: readonly string[] } {
  const known = rule !== null && typeof rule === 'object' ? analyses.get(rule) : undefined;
  if (known) return known;
  const vars = jsonLogicVars(rule, '$');
  const names = vars
    .map((v) => v.name.split('.'))
    .filter(([head, name]) => head === 'facts' && name !== undefined)
    .map(([, name]) => name!);
  const analysis = { vars, facts: [...new Set(names)] };
  if (rule !== null && typeof rule === 'object') analyses.set(rule, analysis);
  return analysis;
}

/** Names of the facts a rule reads (`facts.<name>.…`), so only those are fetched. */
export function factsUsed(rule: JsonLogic): readonly string[] {
  return analysed(rule).facts;
}

/**
 * The form paths a rule's answer depends on: its literal variables outside `facts`, and the fields each fact it reads
 * carries in its URL (the fact's answer depends on them). Null when it may read any (readsComputedVar).
 */
export function ruleDataPaths(
  rule: JsonLogic,
  facts: Record<string, FactDefinition> | undefined,
): readonly string[] | null {
  if (readsComputedVar(rule)) return null;
  const own = analysed(rule)
    .vars.map((v) => v.name)
    .filter((name) => name.split('.')[0] !== 'facts');
  const viaFacts = factsUsed(rule).flatMap((name) => {
    const fact = facts && Object.hasOwn(facts, name) ? facts[name] : undefined;
    return fact ? urlFields(fact.url) : [];
  });
  return [...new Set([...own, ...viaFacts])];
}

/** The value at a dotted path, or undefined. */
export function valueAt(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const segment of path.split('.')) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

/** The form fields a fact's URL carries (its `{path}` placeholders): what a lookup discloses to the fact's host. */
export function urlFields(template: string): string[] {
  return [...new Set([...template.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1]!))];
}

/**
 * A fact's URL with each `{path}` replaced by the value from the application, encoded as one path segment, or null
 * when a value is missing, not a scalar, or could climb the path (`.` or `..`, which URL resolution would apply
 * even encoded: the lookup then simply cannot be made).
 */
export function factUrl(template: string, data: Record<string, unknown>): string | null {
  let missing = false;
  const url = template.replace(/\{([^{}]+)\}/g, (_match, path: string) => {
    const value = valueAt(data, path);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      missing = true;
      return '';
    }
    const text = String(value);
    if (text === '' || text === '.' || text === '..') {
      missing = true;
      return '';
    }
    // encodeURIComponent leaves . ! ' ( ) * as they are; a dot is harmless once the segment is not only dots.
    return encodeURIComponent(text);
  });
  return missing ? null : url;
}

/**
 * The variables a rule read and the values it saw: kept in the history so anyone can see why it held. A variable
 * that reads personal data (`personal`: the form's `x-pii` paths) is kept with the mask: the history outlives the
 * retention of personal data and is shown to every caller who may read it.
 */
export function valuesRead(
  rule: JsonLogic,
  input: Record<string, unknown>,
  personal: readonly string[] = [],
): Record<string, unknown> {
  return Object.fromEntries(
    analysed(rule).vars.map((v) => [
      v.name,
      readsPii(v.name, personal) ? PII_MASK : (valueAt(input, v.name) ?? null),
    ]),
  );
}
