import { describe, expect, it } from '@jest/globals';
import jsonLogic from 'json-logic-js';
import type { JsonLogic } from '../definitions/definition.types.js';
import { holds, RULE_RUN_LIMIT, ruleMeter, verdict } from './json-logic.util.js';

const acc = { var: 'accumulator' };
const ones = (n: number) => Array.from({ length: n }, () => 1);
/** 22 doublings: four million elements or characters, far more than one evaluation may spend. */
const N = 22;

/** Rules whose accumulator doubles on each element in ways the registration's cost estimate does not follow. */
const doubling: Record<string, JsonLogic> = {
  'a merge through a computed var': {
    '!!': {
      reduce: [
        ones(N),
        { merge: [{ var: { cat: ['accumulator'] } }, { var: { cat: ['accumulator'] } }] },
        [1],
      ],
    },
  },
  "a merge in a var's default": {
    '!!': { reduce: [ones(N), { var: ['nothing', { merge: [acc, acc] }] }, [1]] },
  },
  'an array literal that nests it, then one cat': {
    '!!': { cat: [{ reduce: [ones(N), [acc, acc], 1] }] },
  },
  'a map over it merging each element with itself': {
    '!!': { reduce: [ones(N), { map: [acc, { merge: [{ var: '' }, { var: '' }] }] }, [[1]]] },
  },
};

describe('holds', () => {
  it('answers everyday rules as json-logic-js does', () => {
    const data = { seats: 12, items: Array.from({ length: 1000 }, (_, n) => ({ n, name: `item ${n}` })) };
    const rules: JsonLogic[] = [
      { '<': [{ var: 'seats' }, 30] },
      { '>': [{ var: 'seats' }, 30] },
      { some: [{ var: 'items' }, { '==': [{ var: 'n' }, 999] }] },
      { '>': [{ reduce: [{ var: 'items' }, { '+': [acc, { var: 'current.n' }] }, 0] }, 1000] },
      { in: ['item 500', { map: [{ var: 'items' }, { var: 'name' }] }] },
      { var: 'missing' },
      [],
    ];
    for (const rule of rules)
      expect(holds(rule, data)).toBe(jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, data)));
    expect(rules.slice(0, 5).map((rule) => holds(rule, data))).toEqual([true, false, true, true, true]);
  });

  it.each(Object.entries(doubling))(
    'stops a rule whose accumulator doubles (%s) and reads it as false',
    (_, rule) => {
      expect(holds(rule, {})).toBe(false);
    },
  );

  it('takes JSON Logic truthiness, so an empty list or an empty match does not hold', () => {
    const data = { priorLicences: [], seats: 5, owners: [{ banned: false }] };
    expect(holds({ var: 'priorLicences' }, data)).toBe(false);
    expect(holds({ filter: [{ var: 'owners' }, { var: 'banned' }] }, data)).toBe(false);
    expect(holds({ filter: [{ var: 'owners' }, { '!': { var: 'banned' } }] }, data)).toBe(true);
    expect(holds({ var: 'seats' }, data)).toBe(true);
    expect(holds({ cat: [''] }, data)).toBe(false);
  });

  it('counts afresh for every evaluation, and nothing outside one', () => {
    // 15 doublings spend more than half the limit (16 pass it): two in a row hold only if the second starts afresh.
    const half = { '!!': { reduce: [ones(15), { merge: [acc, acc] }, [1]] } };
    expect(holds(half, {})).toBe(true);
    expect(holds(half, {})).toBe(true);
    // Outside `holds` the library evaluates as it always has, past the limit too.
    const past = { '!!': { reduce: [ones(17), { merge: [acc, acc] }, [1]] } };
    expect(holds(past, {})).toBe(false);
    expect(jsonLogic.apply(past as jsonLogic.RulesLogic, {})).toBe(true);
  });

  it('tells a rule the meter stopped from one that fails or throws', () => {
    expect(verdict(doubling["a merge in a var's default"], {})).toBe('stopped');
    expect(verdict({ '<': [{ var: 'seats' }, 30] }, { seats: 40 })).toBe('fails');
    // An operation json-logic-js does not know throws: a plain failure, as it always was.
    expect(verdict({ unknown_operator: [1] }, {})).toBe('fails');
    expect(verdict(undefined, {})).toBe('holds');
  });

  it("shares one event's meter among its rules, and stops those that come after it is spent", () => {
    const meter = ruleMeter(3 * RULE_RUN_LIMIT);
    const half = { '!!': { reduce: [ones(15), { merge: [acc, acc] }, [1]] } };
    const cheap = { '<': [{ var: 'seats' }, 30] };
    expect(verdict(cheap, { seats: 12 }, meter)).toBe('holds');
    const afterCheap = meter.left;
    expect(afterCheap).toBeLessThan(3 * RULE_RUN_LIMIT);
    expect(afterCheap).toBeGreaterThan(3 * RULE_RUN_LIMIT - 100);
    // Each of these spends more than half of one rule's limit: the fifth no longer fits what the event has left.
    const outcomes = Array.from({ length: 6 }, () => verdict(half, {}, meter));
    expect(outcomes.slice(0, 4)).toEqual(['holds', 'holds', 'holds', 'holds']);
    expect(outcomes.slice(4)).toContain('stopped');
    expect(meter.left).toBeLessThanOrEqual(0);
    // Once it is spent, even the cheapest rule is not evaluated.
    expect(verdict(cheap, { seats: 12 }, meter)).toBe('stopped');
    // A rule stopped at its own limit spends the whole of it from the event's meter.
    const fresh = ruleMeter(2 * RULE_RUN_LIMIT);
    expect(verdict(doubling["a merge in a var's default"], {}, fresh)).toBe('stopped');
    expect(fresh.left).toBe(RULE_RUN_LIMIT);
  });
});
