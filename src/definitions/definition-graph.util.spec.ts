import { canonicalJson } from '../common/canonical-json.util.js';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  analyze,
  contentHash,
  durationSeconds,
  formFieldPaths,
  resolveDependencies,
  topologicalOrder,
} from './definition-graph.util.js';
import type { Duration, StepDefinition, WorkflowDefinition } from './definition.types.js';
import { validateDefinition } from './validate-definition.util.js';

function step(id: string, timeLimit: Duration, extra: Partial<StepDefinition> = {}): StepDefinition {
  return { id, name: id, department: 'dept', timeLimit, ...extra };
}

function def(steps: StepDefinition[]): WorkflowDefinition {
  return { key: 'graph-test', name: 'Graph test', form: { type: 'object', properties: {} }, steps };
}

/** a(2) -> b(3) through data; c(4); d(1) after b and c; e(5) alone. Longest chain: a, b, d = 6 of 15. */
const example = def([
  step('aa', { workingDays: 2 }, { produces: ['x'] }),
  step('bb', { workingDays: 3 }, { needs: ['x'] }),
  step('cc', { workingDays: 4 }),
  step('dd', { workingDays: 1 }, { after: ['cc', 'bb'] }),
  step('ee', { workingDays: 5 }),
]);

describe('durationSeconds', () => {
  it('converts each unit, counting a working day as 86,400 seconds', () => {
    expect(durationSeconds({ seconds: 5 })).toBe(5);
    expect(durationSeconds({ minutes: 10 })).toBe(600);
    expect(durationSeconds({ hours: 4 })).toBe(14_400);
    expect(durationSeconds({ workingDays: 3 })).toBe(259_200);
  });
});

describe('formFieldPaths', () => {
  it('lists top-level and nested properties as dotted paths, parents included', () => {
    const form = {
      type: 'object',
      properties: {
        applicant: { type: 'object', properties: { name: {}, address: { properties: { city: {} } } } },
        seats: { type: 'integer' },
      },
    };
    expect(formFieldPaths(form)).toEqual([
      'applicant',
      'applicant.name',
      'applicant.address',
      'applicant.address.city',
      'seats',
    ]);
  });

  it('returns nothing for schemas without properties or that are not objects', () => {
    for (const form of [{}, { type: 'string' }, { properties: [] }, null, 'x', []])
      expect(formFieldPaths(form)).toEqual([]);
  });
});

describe('resolveDependencies', () => {
  it('adds the producer of every needed value to the after list, in step order', () => {
    expect(resolveDependencies(example)).toEqual({ aa: [], bb: ['aa'], cc: [], dd: ['bb', 'cc'], ee: [] });
  });

  it('counts a prerequisite named both in after and through data once', () => {
    const d = def([
      step('aa', { hours: 1 }, { produces: ['x', 'y'] }),
      step('bb', { hours: 1 }, { after: ['aa'], needs: ['x', 'y'] }),
    ]);
    expect(resolveDependencies(d).bb).toEqual(['aa']);
  });

  it('adds nothing for needs that are form data', () => {
    const d = def([step('aa', { hours: 1 }, { needs: ['seats'] })]);
    expect(resolveDependencies(d)).toEqual({ aa: [] });
  });
});

describe('topologicalOrder', () => {
  it('puts prerequisites first and otherwise keeps document order', () => {
    const d = def([
      step('late', { hours: 1 }, { after: ['early'] }),
      step('early', { hours: 1 }),
      step('free', { hours: 1 }),
    ]);
    expect(topologicalOrder(d)).toEqual(['early', 'late', 'free']);
  });

  it('throws on a cycle rather than returning a partial order', () => {
    const d = def([step('aa', { hours: 1 }, { after: ['bb'] }), step('bb', { hours: 1 }, { after: ['aa'] })]);
    expect(() => topologicalOrder(d)).toThrow(/cycle/);
  });
});

describe('analyze', () => {
  it('computes serial, parallel, compression and the critical path of a hand-checked example', () => {
    expect(analyze(example)).toEqual({
      unit: 'workingDays',
      serial: 15,
      parallel: 6,
      compression: 0.6,
      criticalPath: ['aa', 'bb', 'dd'],
      dependencies: { aa: [], bb: ['aa'], cc: [], dd: ['bb', 'cc'], ee: [] },
    });
  });

  it('switches to seconds when any limit is not in working days', () => {
    const d = def([
      step('aa', { hours: 2 }),
      step('bb', { workingDays: 1 }, { after: ['aa'] }),
      step('cc', { minutes: 30 }),
    ]);
    expect(analyze(d)).toMatchObject({
      unit: 'seconds',
      serial: 7200 + 86_400 + 1800,
      parallel: 93_600,
      criticalPath: ['aa', 'bb'],
    });
  });

  it('rounds compression to four decimals', () => {
    const d = def([
      step('aa', { workingDays: 1 }),
      step('bb', { workingDays: 1 }),
      step('cc', { workingDays: 1 }),
    ]);
    expect(analyze(d).compression).toBe(0.6667);
  });

  it('gives no compression to a fully serial chain', () => {
    const d = def([
      step('aa', { seconds: 5 }),
      step('bb', { seconds: 5 }, { after: ['aa'] }),
      step('cc', { seconds: 5 }, { after: ['bb'] }),
    ]);
    expect(analyze(d)).toMatchObject({
      serial: 15,
      parallel: 15,
      compression: 0,
      criticalPath: ['aa', 'bb', 'cc'],
    });
  });

  it('works on a document listing dependents before their prerequisites', () => {
    const d = def([
      step('last', { workingDays: 1 }, { after: ['first'] }),
      step('first', { workingDays: 2 }),
    ]);
    expect(analyze(d)).toMatchObject({ parallel: 3, criticalPath: ['first', 'last'] });
  });

  it('on equal lengths prefers the path through the earlier-listed step', () => {
    const d = def([
      step('aa', { hours: 1 }),
      step('bb', { hours: 1 }),
      step('cc', { hours: 1 }, { after: ['bb', 'aa'] }),
    ]);
    expect(analyze(d).criticalPath).toEqual(['aa', 'cc']);
  });
});

describe('contentHash', () => {
  it('is a sha256 hex digest that ignores key order', () => {
    const a = { key: 'x', name: 'y', form: { b: 1, a: [1, { d: 2, c: 3 }] }, steps: [] };
    const b = { steps: [], form: { a: [1, { c: 3, d: 2 }], b: 1 }, name: 'y', key: 'x' };
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(a)).toBe(contentHash(b));
    expect(canonicalJson(b)).toBe('{"form":{"a":[1,{"c":3,"d":2}],"b":1},"key":"x","name":"y","steps":[]}');
  });

  it('changes with any value and with array order', () => {
    const a = def([step('aa', { hours: 1 }), step('bb', { hours: 1 })]);
    expect(contentHash(a)).not.toBe(contentHash({ ...a, name: 'Other' }));
    expect(contentHash(a)).not.toBe(contentHash({ ...a, steps: [...a.steps].reverse() }));
  });
});

/** A random DAG: step i may depend on any earlier step, by `after` or by needing a value it produces; listed shuffled. */
const randomDag = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.record({
      limits: fc.array(
        fc.oneof(
          fc.record({ workingDays: fc.integer({ min: 1, max: 20 }) }),
          fc.record({ hours: fc.integer({ min: 1, max: 48 }) }),
          fc.record({ seconds: fc.integer({ min: 1, max: 3600 }) }),
        ),
        { minLength: n, maxLength: n },
      ),
      edges: fc.array(fc.array(fc.constantFrom('none', 'after', 'data'), { minLength: n, maxLength: n }), {
        minLength: n,
        maxLength: n,
      }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      allWorkingDays: fc.boolean(),
    }),
  )
  .map(({ limits, edges, order, allWorkingDays }) => {
    const steps = limits.map((limit, i) => {
      const kinds = (edges[i] ?? []).slice(0, i);
      return step(`s${i}`, allWorkingDays ? { workingDays: (durationSeconds(limit) % 9) + 1 } : limit, {
        after: kinds.flatMap((k, j) => (k === 'after' ? [`s${j}`] : [])),
        needs: kinds.flatMap((k, j) => (k === 'data' ? [`v${j}`] : [])),
        produces: [`v${i}`],
      });
    });
    return def(order.map((i) => steps[i]!));
  });

function weightOf(s: StepDefinition, unit: 'workingDays' | 'seconds'): number {
  return unit === 'workingDays' ? s.timeLimit.workingDays! : durationSeconds(s.timeLimit);
}

describe('analyze on random DAGs', () => {
  it('never gives a critical path longer than the serial sum, nor shorter than the longest step', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const a = analyze(d);
        const longest = Math.max(...d.steps.map((s) => weightOf(s, a.unit)));
        expect(a.parallel).toBeLessThanOrEqual(a.serial);
        expect(a.parallel).toBeGreaterThanOrEqual(longest);
        expect(a.compression).toBeGreaterThanOrEqual(0);
        expect(a.compression).toBeLessThan(1);
      }),
    );
  });

  it('schedules each step at the latest finish of its prerequisites, respecting every dependency and ending at parallel', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const a = analyze(d);
        const finish = new Map<string, number>();
        for (const id of topologicalOrder(d)) {
          const start = Math.max(0, ...(a.dependencies[id] ?? []).map((p) => finish.get(p)!));
          finish.set(
            id,
            start +
              weightOf(
                d.steps.find((s) => s.id === id)!,
                a.unit,
              ),
          );
        }
        for (const s of d.steps) {
          const start = finish.get(s.id)! - weightOf(s, a.unit);
          for (const p of a.dependencies[s.id] ?? []) expect(finish.get(p)!).toBeLessThanOrEqual(start);
        }
        expect(Math.max(...finish.values())).toBe(a.parallel);
      }),
    );
  });

  it('gives a critical path that is a real chain whose limits add up to parallel', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const a = analyze(d);
        const path = a.criticalPath;
        expect(a.dependencies[path[0]!]).toEqual([]);
        for (let i = 1; i < path.length; i++) expect(a.dependencies[path[i]!]).toContain(path[i - 1]);
        const total = path.reduce(
          (sum, id) =>
            sum +
            weightOf(
              d.steps.find((s) => s.id === id)!,
              a.unit,
            ),
          0,
        );
        expect(total).toBe(a.parallel);
      }),
    );
  });

  it('resolves exactly the edges the generator drew, and validation accepts every such document', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const deps = resolveDependencies(d);
        for (const s of d.steps) {
          const expected = [...(s.after ?? []), ...(s.needs ?? []).map((v) => `s${v.slice(1)}`)];
          expect([...(deps[s.id] ?? [])].sort()).toEqual(expected.sort());
        }
        expect(validateDefinition(d).errors).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
