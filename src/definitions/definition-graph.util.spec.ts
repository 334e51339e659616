import { canonicalJson } from '../common/canonical-json.util.js';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { analysisClock } from '../calendar/analysis-clock.util.js';
import { dueTime, parseCalendar } from '../calendar/calendar.util.js';
import {
  analyze,
  commitment,
  contentHash,
  dependencyGraph,
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
  it('converts wall-clock units and gives a working day no fixed length', () => {
    expect(durationSeconds({ seconds: 5 })).toBe(5);
    expect(durationSeconds({ minutes: 10 })).toBe(600);
    expect(durationSeconds({ hours: 4 })).toBe(14_400);
    expect(durationSeconds({ workingDays: 3 })).toBe(0);
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
      edges: [
        { from: 'aa', to: 'bb', values: ['x'], declared: false },
        { from: 'bb', to: 'dd', values: [], declared: true },
        { from: 'cc', to: 'dd', values: [], declared: true },
      ],
      handoffs: [
        { from: 'aa', to: 'bb', kept: true, values: ['x'], declared: false, via: ['aa', 'bb'] },
        { from: 'bb', to: 'cc', kept: false, values: [], declared: false, via: [] },
        { from: 'cc', to: 'dd', kept: true, values: [], declared: true, via: ['cc', 'dd'] },
        { from: 'dd', to: 'ee', kept: false, values: [], declared: false, via: [] },
      ],
      redundant: [],
    });
  });

  it('adds wall-clock units exactly, whatever the reference instant', () => {
    const d = def([
      step('aa', { hours: 2 }),
      step('bb', { minutes: 30 }, { after: ['aa'] }),
      step('cc', { seconds: 5 }),
    ]);
    expect(analyze(d)).toMatchObject({
      unit: 'seconds',
      serial: 9005,
      parallel: 9000,
      criticalPath: ['aa', 'bb'],
    });
    expect(analyze(d).referenceInstant).toBeUndefined();
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

/**
 * A random DAG: step i may depend on any earlier step, by `after` or by needing a value it produces; listed shuffled.
 * Limits are all in working days, all on the wall clock, or a mix of both.
 */
const randomDagOf = (mode: 'workingDays' | 'wallClock' | 'mixed') =>
  fc
    .integer({ min: 1, max: 12 })
    .chain((n) =>
      fc.record({
        limits: fc.array(
          fc.oneof(
            ...(mode === 'wallClock' ? [] : [fc.record({ workingDays: fc.integer({ min: 1, max: 20 }) })]),
            ...(mode === 'workingDays'
              ? []
              : [
                  fc.record({ hours: fc.integer({ min: 1, max: 48 }) }),
                  fc.record({ seconds: fc.integer({ min: 1, max: 3600 }) }),
                ]),
          ),
          { minLength: n, maxLength: n },
        ),
        edges: fc.array(fc.array(fc.constantFrom('none', 'after', 'data'), { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        }),
        order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      }),
    )
    .map(({ limits, edges, order }) => {
      const steps = limits.map((limit, i) => {
        const kinds = (edges[i] ?? []).slice(0, i);
        return step(`s${i}`, limit, {
          after: kinds.flatMap((k, j) => (k === 'after' ? [`s${j}`] : [])),
          needs: kinds.flatMap((k, j) => (k === 'data' ? [`v${j}`] : [])),
          produces: [`v${i}`],
        });
      });
      return def(order.map((i) => steps[i]!));
    });

/** Limits in one unit family add up: working days as a count, wall-clock units in seconds. */
const randomDag = fc.oneof(randomDagOf('workingDays'), randomDagOf('wallClock'));

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

describe('analyze on random DAGs with mixed units', () => {
  it('keeps parallel within serial and the critical path a real chain of prerequisites', () => {
    fc.assert(
      fc.property(randomDagOf('mixed'), (d) => {
        const a = analyze(d);
        expect(a.parallel).toBeLessThanOrEqual(a.serial);
        expect(a.compression).toBeGreaterThanOrEqual(0);
        const path = a.criticalPath;
        expect(a.dependencies[path[0]!]).toEqual([]);
        for (let i = 1; i < path.length; i++) expect(a.dependencies[path[i]!]).toContain(path[i - 1]);
      }),
    );
  });

  it('without a calendar counts working days exactly as the engine does (plain UTC days)', () => {
    fc.assert(
      fc.property(randomDagOf('mixed'), (d) => {
        expect(analyze(d)).toEqual(analyze(d, analysisClock()));
      }),
      { numRuns: 50 },
    );
  });
});

/** The reference week: Monday 2 March 2026 09:00 Shanghai; this test calendar makes Tuesday 3 March a holiday. */
const SHANGHAI_WITH_HOLIDAY = parseCalendar(
  {
    name: 'test-shanghai',
    timeZone: 'Asia/Shanghai',
    coversFrom: '2026-01-01',
    coversUntil: '2026-12-31',
    holidays: ['2026-03-03'],
    workingWeekends: [],
  },
  'test',
);

describe('analyze with working days mixed with hours and minutes', () => {
  // review 4 h -> site visit 2 working days -> sign-off 30 min; filing 1 working day on its own.
  const mixed = def([
    step('review', { hours: 4 }, { produces: ['reviewNo'] }),
    step('site-visit', { workingDays: 2 }, { needs: ['reviewNo'], produces: ['visitNo'] }),
    step('sign-off', { minutes: 30 }, { needs: ['visitNo'] }),
    step('filing', { workingDays: 1 }),
  ]);

  it('places every limit on the calendar from the reference instant, Monday 09:00 local', () => {
    // Parallel: review due Mon 13:00; site visit opens then, Tue and Wed count, due Wed 23:59:59.999; sign-off due
    // Thu 00:29:59.999: 2 d 15 h 30 min after Mon 09:00 = 228,600 s (to the second).
    // Serial in the listed order: ... sign-off due Thu 00:30, filing opens Thu and is due end of Fri: 4 d 15 h = 399,600 s.
    const a = analyze(mixed, analysisClock(parseCalendar({ ...calendarDoc(), holidays: [] }, 'test')));
    expect(a).toMatchObject({
      unit: 'seconds',
      referenceInstant: '2026-03-02T01:00:00.000Z',
      serial: 399_600,
      parallel: 228_600,
      compression: 0.4279,
      criticalPath: ['review', 'site-visit', 'sign-off'],
    });
  });

  it('lets a holiday on the critical path lengthen parallel and serial time alike', () => {
    // Tuesday off: the site visit counts Wed and Thu (due Thu 23:59:59.999), sign-off due Fri 00:29:59.999:
    // 3 d 15 h 30 min = 315,000 s. Serial: filing opens Fri, due at the end of Monday 9 March: 7 d 15 h = 658,800 s.
    const a = analyze(mixed, analysisClock(SHANGHAI_WITH_HOLIDAY));
    expect(a).toMatchObject({ serial: 658_800, parallel: 315_000, compression: 0.5219 });
    expect(a.criticalPath).toEqual(['review', 'site-visit', 'sign-off']);
  });

  it('moves the critical path to the working-day branch when the wall-clock chain is short', () => {
    const d = def([step('quick', { minutes: 10 }), step('slow', { workingDays: 1 })]);
    // quick: 600 s; slow: due end of Tuesday 3 March, 1 d 15 h after Monday 09:00 = 140,400 s (to the second).
    expect(analyze(d, analysisClock(parseCalendar(calendarDoc(), 'test')))).toMatchObject({
      parallel: 140_400,
      criticalPath: ['slow'],
    });
  });

  it('starts from a chosen instant when one is given', () => {
    const friday = new Date('2026-03-06T09:00:00+08:00');
    const a = analyze(mixed, analysisClock(SHANGHAI_WITH_HOLIDAY, friday));
    expect(a.referenceInstant).toBe(friday.toISOString());
    // review due Fri 13:00; site visit counts Mon 9 and Tue 10 March; sign-off due Wed 11 00:29:59.999.
    const expected = dueTime(new Date('2026-03-10T23:59:59.999+08:00'), { minutes: 30 }).dueAt;
    expect(a.parallel).toBe(Math.round((expected.getTime() - friday.getTime()) / 1000));
  });
});

/** The commitment of `d` with `skipped` left out, on the plain-days clock. */
function commitmentOf(d: WorkflowDefinition, skipped: string[] = []) {
  return commitment({
    def: d,
    dependencies: resolveDependencies(d),
    order: topologicalOrder(d),
    skipped: new Set(skipped),
  });
}

describe('commitment', () => {
  it('with steps skipped is the analysis of the workflow without them', () => {
    // In one unit family the serial sum does not depend on the order, which removing steps may change.
    fc.assert(
      fc.property(
        randomDag.chain((d) => fc.tuple(fc.constant(d), fc.subarray(d.steps.map((s) => s.id)))),
        ([d, skipped]) => {
          const gone = new Set(skipped);
          const values = new Set(skipped.map((id) => `v${id.slice(1)}`));
          const without = def(
            d.steps
              .filter((s) => !gone.has(s.id))
              .map((s) => ({
                ...s,
                after: (s.after ?? []).filter((id) => !gone.has(id)),
                needs: (s.needs ?? []).filter((v) => !values.has(v)),
              })),
          );
          const { unit, serial, parallel, compression, criticalPath } = analyze(without);
          // With every step skipped there is nothing left to measure by: the workflow's unit is kept.
          const kept = without.steps.length > 0 ? unit : analyze(d).unit;
          expect(commitmentOf(d, skipped)).toEqual({
            unit: kept,
            serial,
            parallel,
            compression,
            criticalPath,
          });
        },
      ),
    );
  });

  it('gives a skipped step no time and lets its dependants start at once', () => {
    // bb skipped: dd waits only for cc (4 + 1), as long as ee (5); the earlier-listed wins the tie.
    expect(commitmentOf(example, ['bb'])).toEqual({
      unit: 'workingDays',
      serial: 2 + 4 + 1 + 5,
      parallel: 5,
      compression: 0.5833,
      criticalPath: ['cc', 'dd'],
    });
  });

  it('places a working day on the clock, not as a plain 24 hours, once the skipped step leaves a mix', () => {
    // A working day opened Monday 09:00 ends Tuesday 23:59:59.999: 140,400 s, longer than 30 h (108,000 s).
    const d = def([
      step('slow', { workingDays: 1 }),
      step('fast', { hours: 30 }),
      step('rare', { hours: 100 }),
    ]);
    expect(analyze(d).criticalPath).toEqual(['rare']);
    expect(commitmentOf(d, ['rare'])).toEqual({
      unit: 'seconds',
      serial: 140_400 + 108_000,
      parallel: 140_400,
      compression: 0.4348,
      criticalPath: ['slow'],
      referenceInstant: '2026-03-02T09:00:00.000Z',
    });
    // What is left decides the unit: working days alone count as days, wall-clock units alone need no instant.
    expect(commitmentOf(d, ['fast', 'rare'])).toEqual({
      unit: 'workingDays',
      serial: 1,
      parallel: 1,
      compression: 0,
      criticalPath: ['slow'],
    });
    expect(commitmentOf(d, ['slow'])).toMatchObject({ unit: 'seconds', parallel: 360_000 });
    expect(commitmentOf(d, ['slow'])).not.toHaveProperty('referenceInstant');
  });

  it("keeps the workflow's unit when every step is skipped, with nothing to wait for", () => {
    const d = def([step('only', { hours: 5 })]);
    expect(commitmentOf(d, ['only'])).toEqual({
      unit: 'seconds',
      serial: 0,
      parallel: 0,
      compression: 0,
      criticalPath: [],
    });
  });

  it('with any steps skipped, runs its critical path along prerequisites taken and keeps parallel within serial', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(randomDag, randomDagOf('mixed'))
          .chain((d) => fc.tuple(fc.constant(d), fc.subarray(d.steps.map((s) => s.id)))),
        ([d, skipped]) => {
          const c = commitmentOf(d, skipped);
          const taken = (id: string) => !skipped.includes(id);
          const dependencies = resolveDependencies(d);
          expect(c.parallel).toBeLessThanOrEqual(c.serial);
          expect(c.criticalPath.every(taken)).toBe(true);
          expect(c.criticalPath.length === 0).toBe(skipped.length === d.steps.length);
          const [first, ...rest] = c.criticalPath;
          if (first !== undefined) expect(dependencies[first]!.filter(taken)).toEqual([]);
          rest.forEach((id, i) => expect(dependencies[id]).toContain(c.criticalPath[i]));
        },
      ),
    );
  });
});

function calendarDoc() {
  return {
    name: 'test-shanghai',
    timeZone: 'Asia/Shanghai',
    coversFrom: '2026-01-01',
    coversUntil: '2026-12-31',
    holidays: [] as string[],
    workingWeekends: [] as string[],
  };
}

describe('the minimal graph from the old serial order', () => {
  /**
   * A business start-up written as the old relay, one step after another, with data flow only:
   *   name(1) -companyName-> registration(3) -creditCode-> seal(1), tax(2), bank(1); tax -taxNo-> invoices(2).
   * Earliest finishes: name 1, registration 4, seal 5, tax 6, bank 5, invoices 8. Serial 10, parallel 8.
   */
  const startUp = def([
    step('name', { workingDays: 1 }, { produces: ['companyName'] }),
    step('registration', { workingDays: 3 }, { needs: ['companyName'], produces: ['creditCode'] }),
    step('seal', { workingDays: 1 }, { needs: ['creditCode'] }),
    step('tax', { workingDays: 2 }, { needs: ['creditCode'], produces: ['taxNo'] }),
    step('bank', { workingDays: 1 }, { needs: ['creditCode'] }),
    step('invoices', { workingDays: 2 }, { needs: ['taxNo'] }),
  ]);

  it('derives the graph from data flow and names the value behind every edge', () => {
    const a = analyze(startUp);
    expect(a).toMatchObject({ serial: 10, parallel: 8, compression: 0.2 });
    expect(a.criticalPath).toEqual(['name', 'registration', 'tax', 'invoices']);
    expect(a.edges).toEqual([
      { from: 'name', to: 'registration', values: ['companyName'], declared: false },
      { from: 'registration', to: 'seal', values: ['creditCode'], declared: false },
      { from: 'registration', to: 'tax', values: ['creditCode'], declared: false },
      { from: 'registration', to: 'bank', values: ['creditCode'], declared: false },
      { from: 'tax', to: 'invoices', values: ['taxNo'], declared: false },
    ]);
  });

  it('keeps the hand-offs data flows along and drops the others', () => {
    const handoffs = analyze(startUp).handoffs.map((h) => [h.from, h.to, h.kept, h.values]);
    expect(handoffs).toEqual([
      ['name', 'registration', true, ['companyName']],
      ['registration', 'seal', true, ['creditCode']],
      ['seal', 'tax', false, []],
      ['tax', 'bank', false, []],
      ['bank', 'invoices', false, []],
    ]);
  });

  it('keeps a hand-off forced through a chain when dependents are listed first', () => {
    const d = def([
      step('cc', { workingDays: 1 }, { needs: ['b'] }),
      step('aa', { workingDays: 1 }, { produces: ['a'] }),
      step('bb', { workingDays: 1 }, { needs: ['a'], produces: ['b'] }),
    ]);
    expect(analyze(d).handoffs).toEqual([
      { from: 'cc', to: 'aa', kept: false, values: [], declared: false, via: [] },
      { from: 'aa', to: 'bb', kept: true, values: ['a'], declared: false, via: ['aa', 'bb'] },
    ]);
    // aa -> cc is not a hand-off of the listed order, but cc still waits for aa through bb.
    expect(dependencyGraph(d).edges.map((e) => `${e.from}>${e.to}`)).toEqual(['bb>cc', 'aa>bb']);
  });

  /** A diamond: top(2) -> left(3), right(1) by data; bottom(1) needs both and also declares after top and left. */
  const diamond = def([
    step('top', { workingDays: 2 }, { produces: ['t'] }),
    step('left', { workingDays: 3 }, { needs: ['t'], produces: ['l'] }),
    step('right', { workingDays: 1 }, { needs: ['t'], produces: ['r'] }),
    step('bottom', { workingDays: 1 }, { after: ['top', 'left'], needs: ['l', 'r'] }),
  ]);

  it('reports declared after edges that other dependencies imply, with what implies them', () => {
    const a = analyze(diamond);
    expect(a).toMatchObject({ serial: 7, parallel: 6, criticalPath: ['top', 'left', 'bottom'] });
    expect(a.dependencies.bottom).toEqual(['top', 'left', 'right']);
    expect(a.redundant).toEqual([
      {
        path: '$.steps[3].after[0]',
        step: 'bottom',
        after: 'top',
        values: [],
        via: ['top', 'left', 'bottom'],
      },
      { path: '$.steps[3].after[1]', step: 'bottom', after: 'left', values: ['l'], via: ['left', 'bottom'] },
    ]);
    expect(a.edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      'top>left',
      'top>right',
      'left>bottom',
      'right>bottom',
    ]);
    expect(a.edges.find((e) => e.from === 'left')).toEqual({
      from: 'left',
      to: 'bottom',
      values: ['l'],
      declared: true,
    });
  });

  it('does not call an edge implied through a step that may be skipped', () => {
    // If `left` and `right` are skipped they satisfy `bottom` at once: bottom must still wait for top itself.
    const conditional = def(
      diamond.steps.map((s) => (s.id === 'top' || s.id === 'bottom' ? s : { ...s, when: { var: 'big' } })),
    );
    const a = analyze(conditional);
    expect(a.redundant.map((r) => r.after)).toEqual(['left']);
    expect(a.edges.map((e) => `${e.from}>${e.to}`)).toContain('top>bottom');
  });

  it('reduces a long chain that declares every earlier step to its links', () => {
    const n = 20;
    const chain = def(
      Array.from({ length: n }, (_, i) =>
        step(`s${i}`, { workingDays: 1 }, { after: Array.from({ length: i }, (_, j) => `s${j}`) }),
      ),
    );
    const a = analyze(chain);
    expect(a).toMatchObject({ serial: n, parallel: n, compression: 0 });
    expect(a.edges.map((e) => `${e.from}>${e.to}`)).toEqual(
      Array.from({ length: n - 1 }, (_, i) => `s${i}>s${i + 1}`),
    );
    expect(a.handoffs.every((h) => h.kept && h.declared)).toBe(true);
    // Step i declares i entries of which only s(i-1) is needed: 0 + 0 + 1 + … + 18.
    expect(a.redundant).toHaveLength(((n - 2) * (n - 1)) / 2);
    expect(a.redundant[0]).toEqual({
      path: '$.steps[2].after[0]',
      step: 's2',
      after: 's0',
      values: [],
      via: ['s0', 's1', 's2'],
    });
  });
});

/** Every step a step waits for, directly or through others. */
function closure(deps: Record<string, string[]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = out.get(id);
    if (known) return known;
    const all = new Set<string>();
    for (const p of deps[id] ?? []) {
      all.add(p);
      for (const q of visit(p)) all.add(q);
    }
    out.set(id, all);
    return all;
  };
  for (const id of Object.keys(deps)) visit(id);
  return out;
}

describe('the minimal graph on random DAGs', () => {
  it('keeps exactly what every step waits for, with no edge another chain implies', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const a = analyze(d);
        const minimal: Record<string, string[]> = Object.fromEntries(d.steps.map((s) => [s.id, []]));
        for (const e of a.edges) minimal[e.to]!.push(e.from);
        const full = closure(a.dependencies);
        const reduced = closure(minimal);
        for (const s of d.steps) expect([...reduced.get(s.id)!].sort()).toEqual([...full.get(s.id)!].sort());
        for (const e of a.edges) {
          const others = { ...minimal, [e.to]: minimal[e.to]!.filter((p) => p !== e.from) };
          expect(closure(others).get(e.to)!.has(e.from)).toBe(false);
        }
      }),
    );
  });

  it('drops a hand-off exactly when the later step never waits for the earlier one', () => {
    fc.assert(
      fc.property(randomDag, (d) => {
        const a = analyze(d);
        const full = closure(a.dependencies);
        for (const h of a.handoffs) expect(h.kept).toBe(full.get(h.to)!.has(h.from));
      }),
    );
  });
});
