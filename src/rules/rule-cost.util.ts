/**
 * An upper estimate of the steps a JSON Logic rule takes on the largest input the limits allow, so registration
 * can refuse a rule that would hold the event loop (nested `map`s over long arrays, a `reduce` that grows its
 * accumulator). `maxArrayLength` bounds every array a `var` can yield (JSON_MAX_ARRAY_LENGTH); a literal array
 * counts its own length. The estimate errs high: a rule under the budget is cheap, one over it may merely be slow.
 */
export function ruleCost(logic: unknown, maxArrayLength: number): number {
  return estimate(logic, maxArrayLength).cost;
}

interface Estimate {
  /** Evaluation steps. */
  cost: number;
  /** Elements (or characters, for strings built by `cat`/`substr`) the result may hold. */
  size: number;
}

const ITERATING = new Set(['map', 'filter', 'all', 'none', 'some']);
/** Operations whose own work grows with the size of their arguments. */
const LINEAR = new Set(['merge', 'in', 'cat', 'substr', 'min', 'max']);
/** Operations whose result may be as large as their arguments together. */
const GROWING = new Set(['merge', 'cat', 'substr']);
/** Operations that return one of their arguments. */
const CHOOSING = new Set(['if', '?:', 'and', 'or']);

function estimate(logic: unknown, n: number): Estimate {
  if (Array.isArray(logic)) {
    const items = logic.map((item) => estimate(item, n));
    return { cost: 1 + sum(items.map((i) => i.cost)), size: logic.length };
  }
  if (logic === null || typeof logic !== 'object') return { cost: 1, size: 1 };
  const entries = Object.entries(logic);
  const [op, raw] = entries[0] ?? [];
  if (entries.length !== 1 || op === undefined) return { cost: 1, size: 1 }; // a literal object
  const args = (Array.isArray(raw) ? raw : [raw]).map((a) => estimate(a, n));
  const argCost = sum(args.map((a) => a.cost));
  const argSize = sum(args.map((a) => a.size));
  const [first, body, initial] = args;

  if (op === 'var') return { cost: 1 + argCost, size: n };
  if (ITERATING.has(op)) {
    const over = first ?? { cost: 1, size: 0 };
    const each = body ?? { cost: 1, size: 1 };
    return {
      cost: 1 + over.cost + over.size * each.cost,
      size: op === 'map' || op === 'filter' ? over.size : 1,
    };
  }
  if (op === 'reduce') {
    const over = first ?? { cost: 1, size: 0 };
    const each = body ?? { cost: 1, size: 1 };
    const start = initial ?? { cost: 1, size: 1 };
    // An accumulator that grows (merge into it) grows by the body's size on every element.
    const size = each.size > 1 ? over.size * each.size : Math.max(start.size, each.size);
    return { cost: 1 + over.cost + start.cost + over.size * each.cost, size };
  }
  const cost = 1 + argCost + (LINEAR.has(op) ? argSize : 0);
  if (GROWING.has(op)) return { cost, size: argSize };
  if (CHOOSING.has(op)) return { cost, size: Math.max(1, ...args.map((a) => a.size)) };
  return { cost, size: 1 };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
