import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.util.js';
import type { Analysis, Duration, StepDefinition, WorkflowDefinition } from './definition.types.js';

/**
 * A working day counts as 86,400 s when limits of different units are compared: analysis needs one scale, and a
 * calendar-exact conversion would depend on the day an application arrives.
 */
const SECONDS_PER_WORKING_DAY = 86_400;

export function durationSeconds(d: Duration): number {
  return (
    (d.workingDays ?? 0) * SECONDS_PER_WORKING_DAY +
    (d.hours ?? 0) * 3600 +
    (d.minutes ?? 0) * 60 +
    (d.seconds ?? 0)
  );
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

export function analyze(def: WorkflowDefinition): Analysis {
  const dependencies = resolveDependencies(def);
  const unit = def.steps.every((s) => s.timeLimit.workingDays !== undefined) ? 'workingDays' : 'seconds';
  const weight = (s: StepDefinition): number =>
    unit === 'workingDays' ? (s.timeLimit.workingDays ?? 0) : durationSeconds(s.timeLimit);
  const byId = new Map(def.steps.map((s) => [s.id, s]));

  // Earliest finish of each step when it opens as soon as its last prerequisite is done.
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const id of topologicalOrder(def)) {
    let start = 0;
    let latest: string | undefined;
    for (const p of dependencies[id] ?? []) {
      const f = finish.get(p) ?? 0;
      if (latest === undefined || f > start) [start, latest] = [f, p];
    }
    finish.set(id, start + weight(byId.get(id)!));
    via.set(id, latest);
  }

  let last: string | undefined;
  for (const s of def.steps) if (last === undefined || finish.get(s.id)! > finish.get(last)!) last = s.id;
  const criticalPath: string[] = [];
  for (let id = last; id !== undefined; id = via.get(id)) criticalPath.unshift(id);

  const serial = def.steps.reduce((sum, s) => sum + weight(s), 0);
  const parallel = last === undefined ? 0 : finish.get(last)!;
  const compression = serial === 0 ? 0 : Math.round((1 - parallel / serial) * 10_000) / 10_000;
  return { unit, serial, parallel, compression, criticalPath, dependencies };
}

/** sha256 of the document with keys sorted at every level, so key order never makes a new version. */
export function contentHash(def: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalJson(def)).digest('hex');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
