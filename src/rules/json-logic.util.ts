import jsonLogic from 'json-logic-js';
import type { JsonLogic } from '../definitions/definition.types.js';
import { isRecord } from '../definitions/definition-graph.util.js';

/**
 * What one evaluation of a rule may spend, in units: one per node evaluated, plus the size of every value a node
 * yields (one per element or member, one per 16 characters of a string), which is what an operation that reads the
 * value (`cat`, `merge`, `in`, a comparison) walks. A rule stopped there has spent 20-40 ms on the project's 2-core machine.
 */
export const RULE_RUN_LIMIT = 250_000;

/**
 * What all the rules one event evaluates may spend together (a submission decides every step's `when`, then the
 * `autoApprove` of each step it opens). Without it, a definition of 200 steps with two rules each just under
 * RULE_RUN_LIMIT held the event loop 400 times as long. The largest definition's 400 rules of 80 terms spend about
 * a quarter of it when every term is evaluated.
 */
export const RULE_EVENT_LIMIT = 1_000_000;

/** Units left to the rules of one event (`ruleMeter`); each evaluation also stops at RULE_RUN_LIMIT. */
export interface RuleMeter {
  left: number;
}

export function ruleMeter(limit = RULE_EVENT_LIMIT): RuleMeter {
  return { left: limit };
}

/**
 * How a rule came out: `stopped` when the meter ended its evaluation before it gave an answer, which callers treat
 * as undecided: an `autoApprove` leaves its step to the officers, a `when` keeps its step.
 */
export type Verdict = 'holds' | 'fails' | 'stopped';

/** Units left to the evaluation under way; outside `verdict`, nothing is counted. */
let left = Infinity;

class RuleRunLimitExceeded extends Error {}

/**
 * json-logic-js evaluates every node, the elements of `map`, `reduce` and the rest included, through its own
 * `jsonLogic.apply`, so replacing that member meters the whole evaluation. The estimate registration makes of a rule's
 * cost (`ruleCost`) refuses the costly shapes it knows, but a rule can grow its values in ways no such estimate
 * follows (an accumulator doubled through a computed `var`, an array literal that nests it), and without a limit
 * such a rule held the event loop for seconds on every submission.
 */
const applyUnmetered = jsonLogic.apply;
jsonLogic.apply = ((logic: jsonLogic.RulesLogic, data?: unknown): unknown => {
  if (--left < 0) throw new RuleRunLimitExceeded();
  const value: unknown = applyUnmetered(logic, data);
  if (left !== Infinity) left -= sizeWithin(value, left);
  if (left < 0) throw new RuleRunLimitExceeded();
  return value;
}) as typeof jsonLogic.apply;

/** The size of `value` as RULE_RUN_LIMIT counts it, walked no further than just past `cap`. */
function sizeWithin(value: unknown, cap: number): number {
  if (typeof value === 'string') return 1 + (value.length >> 4);
  if (value === null || typeof value !== 'object') return 1;
  let size = 1;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') size += next.length >> 4;
    else if (next !== null && typeof next === 'object') {
      for (const member of Array.isArray(next) ? (next as unknown[]) : Object.values(next)) {
        if (++size > cap) return size;
        pending.push(member);
      }
    }
  }
  return size;
}

/**
 * A JSON Logic condition over application data: `holds` for a truthy result, `fails` for anything else and for an
 * evaluation that throws, `stopped` past RULE_RUN_LIMIT or past what `meter` has left (which it then spends).
 */
export function verdict(
  logic: JsonLogic | undefined,
  data: Record<string, unknown>,
  meter: RuleMeter = ruleMeter(RULE_RUN_LIMIT),
): Verdict {
  if (logic === undefined) return 'holds';
  const limit = Math.min(RULE_RUN_LIMIT, meter.left);
  if (limit <= 0) return 'stopped';
  left = limit;
  try {
    // JSON Logic's truthiness, not JavaScript's: an empty array is false (as inside `if`, `and`, `!`, `filter`).
    return jsonLogic.truthy(jsonLogic.apply(logic as jsonLogic.RulesLogic, data)) ? 'holds' : 'fails';
  } catch (error) {
    return error instanceof RuleRunLimitExceeded ? 'stopped' : 'fails';
  } finally {
    meter.left -= limit - Math.max(left, 0);
    left = Infinity;
  }
}

/** Whether the rule holds: a rule that fails or is stopped does not. */
export function holds(
  logic: JsonLogic | undefined,
  data: Record<string, unknown>,
  meter?: RuleMeter,
): boolean {
  return verdict(logic, data, meter) === 'holds';
}

/** A JSON path one level below `parent`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface VarUse {
  name: string;
  path: string;
}

/**
 * A JSON Logic operation, as json-logic-js reads one: an object with exactly one member, its operator; a lone
 * argument stands for a list of one. `argPath(i)` is where argument i sits in the document.
 */
interface Operation {
  op: string;
  args: JsonLogic[];
  argPath: (i: number) => string;
}

function operationAt(logic: JsonLogic, path: string): Operation | null {
  if (!isRecord(logic)) return null;
  const entries = Object.entries(logic);
  const [op, raw] = entries[0] ?? [];
  if (entries.length !== 1 || op === undefined) return null; // not an operation: a literal object
  const at = childPath(path, op);
  return Array.isArray(raw)
    ? { op, args: raw, argPath: (i) => `${at}[${i}]` }
    : { op, args: [raw as JsonLogic], argPath: () => at };
}

/**
 * The name a `var` reads when its argument is a literal, or null when it is computed (or absent). json-logic-js
 * evaluates the argument and reads `String(name)`, so an array of literals names a variable as a string does:
 * `{ "var": [["facts.x.status"]] }` reads `facts.x.status`, and must be checked and fetched as that; `true` reads
 * `true`. An empty name (`""`, `[[]]`) is taken as the whole data, which `""` is and `[[]]` (a read of the key "")
 * is treated as: what either reads is unknown.
 */
export function literalName(name: unknown): string | null {
  if (typeof name === 'string' || typeof name === 'number' || typeof name === 'boolean') return String(name);
  return Array.isArray(name) && name.every(isLiteral) ? String(name) : null;
}

/** A value JSON Logic evaluates to itself: a scalar, or an array of them (an object is an operation). */
function isLiteral(value: unknown): boolean {
  return Array.isArray(value) ? value.every(isLiteral) : value === null || typeof value !== 'object';
}

/**
 * The keys `missing` checks, each as the `var` it reads, from the list of its arguments (`missing_some`'s second
 * argument is such a list). json-logic-js evaluates the list, takes its first element as the keys when that is an
 * array and the whole list otherwise, and reads `{ "var": key }` for each key, so a key that is an array is a name
 * and a default: `{ "missing": [[["f"]]] }` reads `f`. `others` are evaluated with the list and checked for nothing.
 */
function missingKeys(
  list: JsonLogic[],
  at: (i: number) => string,
): { keys: Operation[]; others: JsonLogic[] } {
  const [first] = list;
  const listed = Array.isArray(first);
  const keys = listed ? first : list;
  const keyAt = listed ? (k: number) => `${at(0)}[${k}]` : at;
  return {
    keys: keys.map((key, k) =>
      Array.isArray(key)
        ? { op: 'var', args: key, argPath: (i) => `${keyAt(k)}[${i}]` }
        : { op: 'var', args: [key], argPath: () => keyAt(k) },
    ),
    others: listed ? list.slice(1) : [],
  };
}

/** What a `var` reads: the variable it names (or, for a computed name, what the name's operations read) and its default. */
function varReads({ args, argPath }: Operation): VarUse[] {
  const [name, ...fallback] = args;
  const named = literalName(name);
  const own =
    named === null
      ? jsonLogicVars(name ?? null, argPath(0))
      : named === ''
        ? []
        : [{ name: named, path: argPath(0) }];
  // A default is read when the variable is missing: what it reads counts too.
  return [...own, ...fallback.flatMap((a, i) => jsonLogicVars(a, argPath(i + 1)))];
}

/** What `missing` reads of a list of keys, at `at(i)` for the list's element i. */
function missingReads(list: JsonLogic[], at: (i: number) => string): VarUse[] {
  const { keys, others } = missingKeys(list, at);
  return [...keys.flatMap(varReads), ...others.flatMap((a, i) => jsonLogicVars(a, at(i + 1)))];
}

/** The literal data paths a JSON Logic expression reads, each with where it sits in the document. */
export function jsonLogicVars(logic: JsonLogic, path: string): VarUse[] {
  if (Array.isArray(logic)) return logic.flatMap((item, i) => jsonLogicVars(item, `${path}[${i}]`));
  const operation = operationAt(logic, path);
  if (operation === null) return [];
  const { op, args, argPath } = operation;
  switch (op) {
    case 'var':
      return varReads(operation);
    case 'missing':
      return missingReads(args, argPath);
    case 'missing_some': {
      const [count, list] = args;
      return [
        ...jsonLogicVars(count ?? null, argPath(0)),
        ...(Array.isArray(list)
          ? missingReads(list, (k) => `${argPath(1)}[${k}]`)
          : jsonLogicVars(list ?? null, argPath(1))),
      ];
    }
    // The second argument runs against each element (and the accumulator), not the application data.
    case 'map':
    case 'filter':
    case 'all':
    case 'none':
    case 'some':
    case 'reduce':
      return args.flatMap((a, i) => (i === 1 ? [] : jsonLogicVars(a, argPath(i))));
    default:
      return args.flatMap((a, i) => jsonLogicVars(a, argPath(i)));
  }
}

/** Whether a `var` reads a name no literal gives, or the whole data (`""`; `[]` and `null` name nothing, alike). */
function varComputed(args: JsonLogic[]): boolean {
  const named = literalName(args[0]);
  return named === null || named === '' || args.slice(1).some(readsComputedVar);
}

/**
 * Whether a JSON Logic expression reads application data at a path no literal names: a computed `var`
 * (`{ "var": { "cat": [...] } }`) or the whole data (`{ "var": "" }`) outside the element scope of `map`, `filter`,
 * `all`, `none`, `some` and `reduce`, where `var` reads the element instead. What it reads is then unknown.
 */
export function readsComputedVar(logic: JsonLogic): boolean {
  if (Array.isArray(logic)) return logic.some((item) => readsComputedVar(item));
  const operation = operationAt(logic, '$');
  if (operation === null) return false;
  const { op, args } = operation;
  if (op === 'var') return varComputed(args);
  // The keys `missing` checks are read too: one computed is a read no literal names.
  if (op === 'missing' || op === 'missing_some') {
    const list = op === 'missing' ? args : args[1];
    if (op === 'missing_some' && readsComputedVar(args[0] ?? null)) return true;
    if (!Array.isArray(list)) return true;
    const { keys, others } = missingKeys(list, () => '$');
    return keys.some((key) => varComputed(key.args)) || others.some(readsComputedVar);
  }
  const scoped = ['map', 'filter', 'all', 'none', 'some', 'reduce'].includes(op);
  return args.some((a, i) => !(scoped && i === 1) && readsComputedVar(a));
}

/**
 * The operations JSON Logic (json-logic-js) knows, but `log`: it writes each value it sees to the server's output,
 * past the structured logs and their redaction of personal data.
 */
const OPERATIONS = new Set([
  ...['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr'],
  ...['+', '*', '-', '/', 'min', 'max', 'merge', 'var', 'missing', 'missing_some'],
  ...['if', '?:', 'and', 'or', 'filter', 'map', 'reduce', 'all', 'none', 'some'],
]);

/**
 * Every operation of a JSON Logic expression that is not one of OPERATIONS, with where it sits. Any object with a
 * single member is an operation to JSON Logic: an unknown one throws when the rule runs, and a rule that throws is
 * false, so a misspelt operator would skip a step, or keep one from being approved, without a word.
 */
export function unknownOperations(logic: JsonLogic, path: string): { op: string; path: string }[] {
  if (Array.isArray(logic)) return logic.flatMap((item, i) => unknownOperations(item, `${path}[${i}]`));
  const operation = operationAt(logic, path);
  if (operation === null) return [];
  const { op, args, argPath } = operation;
  const own = OPERATIONS.has(op) ? [] : [{ op, path: childPath(path, op) }];
  return [...own, ...args.flatMap((a, i) => unknownOperations(a, argPath(i)))];
}
