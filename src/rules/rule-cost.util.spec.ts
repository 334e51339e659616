import { describe, expect, it } from '@jest/globals';
import type { JsonLogic } from '../definitions/definition.types.js';
import { holds } from './json-logic.util.js';
import { ruleCost } from './rule-cost.util.js';

const N = 1000;

describe('ruleCost', () => {
  it('counts a plain comparison in a handful of steps', () => {
    expect(ruleCost({ '>=': [{ var: 'seats' }, 10] }, N)).toBeLessThan(10);
  });

  it('charges an iteration over data once per possible element', () => {
    const some = { some: [{ var: 'owners' }, { '==': [{ var: 'country' }, 'CN'] }] };
    expect(ruleCost(some, N)).toBeGreaterThan(N);
    expect(ruleCost(some, N)).toBeLessThan(10 * N);
  });

  it('multiplies nested iterations, so two nested maps over data cost the square', () => {
    const nested = { map: [{ var: 'a' }, { map: [{ var: 'b' }, { '+': [{ var: '' }, 1] }] }] };
    expect(ruleCost(nested, N)).toBeGreaterThan(N * N);
  });

  it('charges a literal array by its own length', () => {
    const literal = Array.from({ length: 50 }, (_, i) => i);
    const rule = { map: [literal, { map: [literal, { '*': [{ var: '' }, 2] }] }] };
    expect(ruleCost(rule, N)).toBeGreaterThan(50 * 50);
    expect(ruleCost(rule, N)).toBeLessThan(50 * 50 * 10);
  });

  it('sees a reduce whose accumulator grows with every element', () => {
    const growing = {
      reduce: [{ var: 'a' }, { merge: [{ var: 'accumulator' }, { var: 'current' }] }, []],
    };
    expect(ruleCost(growing, N)).toBeGreaterThan(N * N);
  });

  it('prices an everyday rule over a data array well under the default budget', () => {
    const rule: JsonLogic = { some: [{ var: 'items' }, { '>': [{ var: 'n' }, 5] }] };
    const data = { items: Array.from({ length: N }, (_, n) => ({ n: n % 5 })) };
    expect(holds(rule, data)).toBe(false);
    expect(ruleCost(rule, N)).toBeLessThan(100_000);
  });
});
