import { describe, expect, it } from '@jest/globals';
import type { JsonLogic } from '../definitions/definition.types.js';
import { holds } from './json-logic.util.js';
import { ruleCost } from './rule-cost.util.js';

const N = 1000;
/** Far above any estimate below, so that each is counted whole. */
const BUDGET = 1e10;

describe('ruleCost', () => {
  it('counts a plain comparison in a handful of steps', () => {
    expect(ruleCost({ '>=': [{ var: 'seats' }, 10] }, N, BUDGET)).toBeLessThan(10);
  });

  it('charges an iteration over data once per possible element', () => {
    const some = { some: [{ var: 'owners' }, { '==': [{ var: 'country' }, 'CN'] }] };
    expect(ruleCost(some, N, BUDGET)).toBeGreaterThan(N);
    expect(ruleCost(some, N, BUDGET)).toBeLessThan(10 * N);
  });

  it('multiplies nested iterations, so two nested maps over data cost the square', () => {
    const nested = { map: [{ var: 'a' }, { map: [{ var: 'b' }, { '+': [{ var: '' }, 1] }] }] };
    expect(ruleCost(nested, N, BUDGET)).toBeGreaterThan(N * N);
  });

  it('charges a literal array by its own length', () => {
    const literal = Array.from({ length: 50 }, (_, i) => i);
    const rule = { map: [literal, { map: [literal, { '*': [{ var: '' }, 2] }] }] };
    expect(ruleCost(rule, N, BUDGET)).toBeGreaterThan(50 * 50);
    expect(ruleCost(rule, N, BUDGET)).toBeLessThan(50 * 50 * 10);
  });

  it('sees a reduce whose accumulator grows with every element', () => {
    const growing = {
      reduce: [{ var: 'a' }, { merge: [{ var: 'accumulator' }, { var: 'current' }] }, []],
    };
    expect(ruleCost(growing, N, BUDGET)).toBeGreaterThan(N * N);
  });

  it('follows a reduce that doubles its accumulator element by element, past the budget within 27 elements', () => {
    const ones = Array.from({ length: 27 }, () => 1);
    const acc = { var: 'accumulator' };
    for (const doubling of [{ merge: [acc, acc] }, { cat: [acc, acc] }]) {
      // The accumulator reaches 2^26 elements: a linear estimate counted about 54,000 steps.
      expect(ruleCost({ reduce: [ones, doubling, [1]] }, N, BUDGET)).toBeGreaterThan(2 ** 26);
      expect(ruleCost({ reduce: [ones, doubling, [1]] }, N, 100_000)).toBeGreaterThan(100_000);
    }
  });

  it('counts a reduce that keeps its accumulator small once per element, at once', () => {
    const total = { reduce: [{ var: 'amounts' }, { '+': [{ var: 'accumulator' }, { var: 'current' }] }, 0] };
    expect(ruleCost(total, N, BUDGET)).toBeGreaterThan(N);
    expect(ruleCost(total, N, BUDGET)).toBeLessThan(10 * N);
  });

  it("reads `accumulator` as the reduce's only directly in its body, not in a body nested in it", () => {
    const acc = { var: 'accumulator' };
    // Inside the map, `accumulator` is a member of each element, as large as any value of the data.
    const nested = { reduce: [[1, 2], { map: [{ var: 'list' }, { merge: [acc, acc] }] }, []] };
    expect(ruleCost(nested, N, BUDGET)).toBeGreaterThan(N * N);
  });

  it('keeps its own work within the budget however long a reduce would run, and calls such a rule too costly', () => {
    const grows = { reduce: [{ var: 'a' }, { merge: [{ var: 'accumulator' }, [1]] }, []] };
    // A billion elements, each adding one: without a bound on the estimate's own turns, a billion of them.
    expect(ruleCost(grows, 1e9, 100_000)).toBe(Infinity);
    const steady = { reduce: [{ var: 'a' }, { '+': [{ var: 'accumulator' }, 1] }, 0] };
    expect(ruleCost(steady, 1e9, 100_000)).toBeGreaterThan(1e9);
    expect(ruleCost(steady, 1e9, 100_000)).toBeLessThan(1e10);
  });

  it('counts a body over no elements as nothing, even one too costly to estimate (0 × Infinity is not NaN)', () => {
    const nothing = { map: [[], { reduce: [{ var: 'a' }, { merge: [{ var: 'accumulator' }, [1]] }, []] }] };
    expect(ruleCost(nothing, 1e9, 100_000)).toBe(2);
  });

  it('prices an everyday rule over a data array well under the default budget', () => {
    const rule: JsonLogic = { some: [{ var: 'items' }, { '>': [{ var: 'n' }, 5] }] };
    const data = { items: Array.from({ length: N }, (_, n) => ({ n: n % 5 })) };
    expect(holds(rule, data)).toBe(false);
    expect(ruleCost(rule, N, BUDGET)).toBeLessThan(100_000);
  });
});
