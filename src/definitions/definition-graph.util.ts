import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.util.js';
import type {
  Analysis,
  Commitment,
  Duration,
  StepDefinition,
  WorkflowDefinition,
} from './definition.types.js';

/** Wall-clock length of a limit in hours, minutes or seconds (a working day has no fixed length). */
export function durationSeconds(d: Duration): number {
  return (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0);
}

/** Dotted paths of every property a JSON Schema declares, through nested object `properties` (parents included). */
export function formFieldPaths(form: unknown): string[] {
  const paths: string[] = [];
  const walk = (schema: unknown, prefix: string): void => {
    const properties = isRecord(schema) ? schema.properties : undefined;
    if (!isRecord(properties)) return;
    for (const [name, child] of Object.entries(properties)) {
      paths.push(prefix + name);
      walk(child, `${prefix}${name}.`);
    }
  };
  walk(form, '');
  return paths;
}

/** Prerequisites of each step: its `after` plus every step producing a value it `needs`, in step order. */
export function resolveDependencies(def: WorkflowDefinition): Record<string, string[]> {
  const producer = new Map<string, string>();
  for (const step of def.steps) for (const value of step.produces ?? []) producer.set(value, step.id);
  const order = new Map(def.steps.map((s, i) => [s.id, i]));
  const result: Record<string, string[]> = {};
  for (const step of def.steps) {
    const prereqs = new Set(step.after ?? []);
    for (const need of step.needs ?? []) {
      const from = producer.get(need);
      if (from !== undefined && from !== step.id) prereqs.add(from);
    }
    result[step.id] = [...prereqs].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  }
  return result;
}

/** Step ids so that every step comes after its prerequisites; ties keep document order. Throws on a cycle. */
export function topologicalOrder(def: WorkflowDefinition): string[] {
  const deps = resolveDependencies(def);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < def.steps.length) {
    const next = def.steps.find((s) => !done.has(s.id) && (deps[s.id] ?? []).every((p) => done.has(p)));
    if (!next) throw new Error(`Workflow ${def.key} has a dependency cycle`);
    done.add(next.id);
    order.push(next.id);
  }
  return order;
}

/**
 * How committed time passes when limits of different units meet: the instant the first steps open and the due time
 * of a limit opened at a given instant, on the workflow's calendar (see `src/calendar/analysis-clock.util.ts`).
 */
export interface AnalysisClock {
  from: Date;
  due: (openedAt: Date, limit: Duration) => Date;
}

/**
 * The reference instant of the analysis when units mix: Monday 2 March 2026, 09:00. The calendar clock reads it as
 * local time in the calendar's zone; the default clock below (no calendar) as UTC.
 */
export const REFERENCE_LOCAL_DATE = '2026-03-02';
export const REFERENCE_LOCAL_HOUR = 9;

/** Without a calendar a working day is a plain UTC calendar day, ending at 23:59:59.999Z (as in calendar.util). */
const PLAIN_DAYS_CLOCK: AnalysisClock = {
  from: new Date(`${REFERENCE_LOCAL_DATE}T0${REFERENCE_LOCAL_HOUR}:00:00.000Z`),
  due: (openedAt, limit) => {
    if (limit.workingDays === undefined) return new Date(openedAt.getTime() + durationSeconds(limit) * 1000);
    const day = Date.UTC(openedAt.getUTCFullYear(), openedAt.getUTCMonth(), openedAt.getUTCDate());
    return new Date(day + (limit.workingDays + 1) * 86_400_000 - 1);
  },
};

export function analyze(def: WorkflowDefinition, clock: AnalysisClock = PLAIN_DAYS_CLOCK): Analysis {
  const dependencies = resolveDependencies(def);
  const { referenceInstant, ...schedule } = commitment({
    def,
    dependencies,
    order: topologicalOrder(def),
    clock,
  });
  return {
    ...schedule,
    dependencies,
    ...(referenceInstant !== undefined ? { referenceInstant } : {}),
    ...dependencyGraph(def, dependencies),
  };
}

export interface CommitmentInput {
  def: WorkflowDefinition;
  dependencies: Record<string, string[]>;
  /** Step ids, every step after its prerequisites (`topologicalOrder`). */
  order: readonly string[];
  clock?: AnalysisClock;
  /** Steps an application skips: they take no time and satisfy their dependants at once. */
  skipped?: ReadonlySet<string>;
}

/**
 * The schedule of committed time over the steps taken: the analysis's `unit`, `serial`, `parallel`, `compression`
 * and `criticalPath` (and `referenceInstant` when units mix). With nothing skipped it is the workflow's own; with an
 * application's skipped steps, that application's, which is why it is apart from the graph's reading.
 */
export function commitment({
  def,
  dependencies,
  order,
  clock = PLAIN_DAYS_CLOCK,
  skipped,
}: CommitmentInput): Commitment {
  const taken = def.steps.filter((s) => !skipped?.has(s.id));
  const takenOrder = skipped ? order.filter((id) => !skipped.has(id)) : order;
  // The unit follows the steps taken; an application that takes none keeps the workflow's.
  const measured = taken.length > 0 ? taken : def.steps;
  const allWorkingDays = measured.every((s) => s.timeLimit.workingDays !== undefined);
  const mixesWorkingDays = !allWorkingDays && measured.some((s) => s.timeLimit.workingDays !== undefined);
  const byId = new Map(taken.map((s) => [s.id, s]));

  // Working days add up exactly (a step opening at the end of a working day is due N working days later), and so do
  // wall-clock units; only a mix needs the calendar, from the reference instant. Times here are offsets from it:
  // working days, or milliseconds.
  const start0 = allWorkingDays ? 0 : clock.from.getTime();
  const end = (s: StepDefinition, start: number): number =>
    allWorkingDays
      ? start + (s.timeLimit.workingDays ?? 0)
      : mixesWorkingDays
        ? clock.due(new Date(start), s.timeLimit).getTime()
        : start + durationSeconds(s.timeLimit) * 1000;
  const measure = (t: number): number => (allWorkingDays ? t : Math.round((t - start0) / 1000));

  // Earliest finish of each step when it opens as soon as its last prerequisite taken is done.
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const id of takenOrder) {
    let start = start0;
    let latest: string | undefined;
    for (const p of dependencies[id] ?? []) {
      const f = finish.get(p);
      if (f === undefined) continue;
      if (latest === undefined || f > start) [start, latest] = [f, p];
    }
    finish.set(id, end(byId.get(id)!, start));
    via.set(id, latest);
  }

  let last: string | undefined;
  for (const s of taken) if (last === undefined || finish.get(s.id)! > finish.get(last)!) last = s.id;
  const criticalPath: string[] = [];
  for (let id = last; id !== undefined; id = via.get(id)) criticalPath.unshift(id);

  // The old serial process: each step opens when the one before it is due, in the listed order (moved only where a
  // step is listed before one it waits for). Day boundaries make a mix of units order-sensitive, and an order that
  // respects the dependencies is what keeps parallel time within serial time.
  const serial = measure(takenOrder.reduce((t, id) => end(byId.get(id)!, t), start0));
  const parallel = last === undefined ? 0 : measure(finish.get(last)!);
  const compression = serial === 0 ? 0 : Math.round((1 - parallel / serial) * 10_000) / 10_000;
  return {
    unit: allWorkingDays ? 'workingDays' : 'seconds',
    serial,
    parallel,
    compression,
    criticalPath,
    ...(mixesWorkingDays ? { referenceInstant: clock.from.toISOString() } : {}),
  };
}

type Graph = Pick<Analysis, 'edges' | 'handoffs' | 'redundant'>;

/**
 * The minimal dependency graph and what it says about the old serial order (the order steps are listed in).
 *
 * An edge p -> s is implied when s also waits for p through a chain of other prerequisites. A chain only implies it
 * through steps that always take part: a step whose `when` may be false is skipped at submission and then satisfies
 * its dependants at once, so a dependant must keep waiting for p directly. The engine keeps every resolved
 * dependency either way; the minimal graph is what an administrator needs to read.
 */
export function dependencyGraph(def: WorkflowDefinition, dependencies = resolveDependencies(def)): Graph {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const unconditional = (id: string): boolean => {
    const when = byId.get(id)?.when;
    return when === undefined || when === true;
  };
  const flows = (from: string, to: string): string[] => {
    const produced = new Set(byId.get(from)?.produces ?? []);
    return (byId.get(to)?.needs ?? []).filter((v) => produced.has(v));
  };
  const declared = (from: string, to: string): boolean => (byId.get(to)?.after ?? []).includes(from);

  // Steps by position, so the hot loops below index arrays instead of looking names up. reach[s] is the set of steps
  // s waits for through chains whose intermediate steps all take part, as bits: a dense graph of MAX_STEPS steps is
  // analysed in milliseconds.
  const ids = def.steps.map((st) => st.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const deps = ids.map((id) => (dependencies[id] ?? []).map((d) => index.get(d)!));
  const always = ids.map(unconditional);
  const words = Math.ceil(ids.length / 32) || 1;
  const reach = ids.map(() => new Uint32Array(words));
  const has = (set: Uint32Array, i: number): boolean => (set[i >>> 5]! & (1 << (i & 31))) !== 0;
  for (const id of topologicalOrder(def)) {
    const s = index.get(id)!;
    const mine = reach[s]!;
    for (const d of deps[s]!) {
      mine[d >>> 5]! |= 1 << (d & 31);
      if (always[d]) for (let w = 0; w < words; w++) mine[w]! |= reach[d]![w]!;
    }
  }
  /** The prerequisite of `s`, other than `p`, through which `s` also waits for `p`, if any. */
  const through = (p: number, s: number): number | undefined =>
    deps[s]!.find((d) => d !== p && always[d] && has(reach[d]!, p));
  /** A chain p -> … -> s implying the edge, preferring direct links so dense graphs give short chains. */
  const chainOf = (p: number, s: number, first: number): string[] => {
    const chain = [ids[s]!];
    for (let at = first; at !== p;) {
      chain.unshift(ids[at]!);
      const mine = deps[at]!;
      at = mine.includes(p) ? p : mine.find((d) => always[d] && has(reach[d]!, p))!;
    }
    return [ids[p]!, ...chain];
  };

  const edges: Analysis['edges'] = [];
  const redundant: Analysis['redundant'] = [];
  def.steps.forEach((step, i) => {
    for (const p of deps[i]!) {
      if (through(p, i) === undefined) {
        const from = ids[p]!;
        edges.push({ from, to: step.id, values: flows(from, step.id), declared: declared(from, step.id) });
      }
    }
    (step.after ?? []).forEach((after, j) => {
      const p = index.get(after)!;
      const values = flows(after, step.id);
      const via = values.length > 0 ? undefined : through(p, i);
      if (values.length === 0 && via === undefined) return;
      redundant.push({
        path: `$.steps[${i}].after[${j}]`,
        step: step.id,
        after,
        values,
        via: via === undefined ? [after, step.id] : chainOf(p, i, via),
      });
    });
  });

  const handoffs: Analysis['handoffs'] = [];
  for (let i = 1; i < def.steps.length; i++) {
    const from = def.steps[i - 1]!.id;
    const to = def.steps[i]!.id;
    const direct = (dependencies[to] ?? []).includes(from);
    const chain = direct ? [from, to] : findChain(dependencies, from, to);
    handoffs.push({
      from,
      to,
      kept: chain !== undefined,
      values: direct ? flows(from, to) : [],
      declared: direct && declared(from, to),
      via: chain ?? [],
    });
  }
  return { edges, handoffs, redundant };
}

/** A chain of prerequisites from `from` to `to` (both included), or undefined when `to` never waits for `from`. */
function findChain(dependencies: Record<string, string[]>, from: string, to: string): string[] | undefined {
  const next = new Map<string, string>();
  const queue = [to];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === from) {
      const chain = [from];
      for (let at = next.get(from); at !== undefined; at = next.get(at)) chain.push(at);
      return chain;
    }
    for (const p of dependencies[id] ?? []) {
      if (!next.has(p) && p !== to) {
        next.set(p, id);
        queue.push(p);
      }
    }
  }
  return undefined;
}

/** sha256 of the document with keys sorted at every level, so key order never makes a new version. */
export function contentHash(def: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalJson(def)).digest('hex');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
