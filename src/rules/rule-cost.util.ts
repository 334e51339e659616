import { literalName } from './json-logic.util.js';
/**
 * An estimate of the steps a JSON Logic rule takes on the largest input the limits allow, so registration can refuse
 * the costly shapes it knows: nested `map`s over long arrays, and a `reduce` whose accumulator grows, followed element
 * by element so that one merged or concatenated with itself is seen to double. `maxArrayLength` bounds every array a
 * `var` can yield (JSON_MAX_ARRAY_LENGTH); a literal array counts its own length.
 *
 * It is an estimate, not a bound: a rule can grow its values in ways it does not follow (through a computed `var`, a
 * `var`'s default, an array literal that nests its accumulator). The bound is at run time: `holds` stops any
 * evaluation past RULE_RUN_LIMIT. The estimate's own work is at most `budget` estimates of a node or a turn of a
 * `reduce`, whatever the rule: a rule that needs more is too costly (Infinity), since each of them costs a step.
 */
export function ruleCost(logic: unknown, maxArrayLength: number, budget: number): number {
  return estimate(logic, { n: maxArrayLength, accumulator: null, work: { left: budget + 1 } }).cost;
}

interface Estimate {
  /** Evaluation steps. */
  cost: number;
  /** Elements (or characters, for strings built by `cat`/`substr`) the result may hold. */
  size: number;
}

interface Scope {
  /** The bound of every array (or string) a `var` of the data can yield. */
  n: number;
  /** Inside a `reduce`'s body: the size its accumulator may have reached; elsewhere null. */
  accumulator: number | null;
  /** Estimates left to the whole rule, shared by every scope: past them, the rule counts as too costly. */
  work: { left: number };
}

const TOO_COSTLY: Estimate = { cost: Infinity, size: Infinity };

const ITERATING = new Set(['map', 'filter', 'all', 'none', 'some']);
/** Operations whose own work grows with the size of their arguments. */
const LINEAR = new Set(['merge', 'in', 'cat', 'substr', 'min', 'max']);
/** Operations whose result may be as large as their arguments together. */
const GROWING = new Set(['merge', 'cat', 'substr']);
/** Operations that return one of their arguments. */
const CHOOSING = new Set(['if', '?:', 'and', 'or']);

function estimate(logic: unknown, scope: Scope): Estimate {
  if (--scope.work.left < 0) return TOO_COSTLY;
  if (Array.isArray(logic)) {
    const items = logic.map((item) => estimate(item, scope));
    return { cost: 1 + sum(items.map((i) => i.cost)), size: logic.length };
  }
  if (logic === null || typeof logic !== 'object') return { cost: 1, size: 1 };
  const entries = Object.entries(logic);
  const [op, raw] = entries[0] ?? [];
  if (entries.length !== 1 || op === undefined) return { cost: 1, size: 1 }; // a literal object
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  // A body runs against each element, where `accumulator` names the element's own member, not a reduce's.
  const inBody = { ...scope, accumulator: null };
  if (ITERATING.has(op)) {
    const over = list[0] === undefined ? { cost: 1, size: 0 } : estimate(list[0], scope);
    const each = list[1] === undefined ? { cost: 1, size: 1 } : estimate(list[1], inBody);
    return {
      cost: 1 + over.cost + times(over.size, each.cost),
      size: op === 'map' || op === 'filter' ? over.size : 1,
    };
  }
  if (op === 'reduce') return reduce(list, scope);
  const args = list.map((a) => estimate(a, scope));
  const argCost = sum(args.map((a) => a.cost));
  const argSize = sum(args.map((a) => a.size));
  if (op === 'var') {
    const read = scope.accumulator !== null && namesAccumulator(list[0]) ? scope.accumulator : scope.n;
    return { cost: 1 + argCost, size: read };
  }
  const cost = 1 + argCost + (LINEAR.has(op) ? argSize : 0);
  if (GROWING.has(op)) return { cost, size: argSize };
  if (CHOOSING.has(op)) return { cost, size: Math.max(1, ...args.map((a) => a.size)) };
  return { cost, size: 1 };
}

/** Whether a `var`'s argument names the accumulator (or a member of it), as a reduce's body reads it. */
function namesAccumulator(name: unknown): boolean {
  const named = literalName(name);
  return named !== null && (named === 'accumulator' || named.startsWith('accumulator.'));
}

/**
 * A `reduce`, element by element: each turn's body sees the accumulator the turns before made. Once a turn leaves
 * the accumulator as it found it, every later turn costs the same, and they are counted at once.
 */
function reduce(list: unknown[], scope: Scope): Estimate {
  const over = list[0] === undefined ? { cost: 1, size: 0 } : estimate(list[0], scope);
  const start = list[2] === undefined ? { cost: 1, size: 1 } : estimate(list[2], scope);
  let cost = 1 + over.cost + start.cost;
  let accumulator = start.size;
  for (let turn = 0; turn < over.size; turn++) {
    if (scope.work.left <= 0) return TOO_COSTLY;
    const each = list[1] === undefined ? { cost: 1, size: 1 } : estimate(list[1], { ...scope, accumulator });
    cost += each.cost;
    if (each.size <= accumulator) {
      cost += times(over.size - turn - 1, each.cost);
      break;
    }
    accumulator = each.size;
    scope.work.left -= 1;
  }
  return { cost, size: accumulator };
}

/** A product of counts where none of the one factor means none, even of an unbounded other. */
function times(count: number, each: number): number {
  return count === 0 || each === 0 ? 0 : count * each;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
