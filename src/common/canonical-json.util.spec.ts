import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { anyValue } from '../../test/support/arbitraries.js';
import { canonicalJson } from './canonical-json.util.js';

/**
 * The first implementation, whose text every stored hash was made from: JSON.stringify with a replacer that sorts
 * each object's keys. The faster one must write the same text for any value.
 */
const firstCanonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

describe('canonicalJson', () => {
  it('sorts keys at every depth, arrays keeping their order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes the same text as the implementation stored hashes were made with, for any value', () => {
    fc.assert(
      fc.property(anyValue(), (value) => {
        expect(canonicalJson(value)).toBe(firstCanonicalJson(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes what JSON leaves out or turns into null as the first implementation did', () => {
    const odd = {
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Symbol('s'), NaN, -0, new Date(Number.NaN), 1],
      at: new Date('2026-12-01T10:00:00.123Z'),
      custom: { toJSON: (key: string) => ({ key, toJSON: 'not a function', b: 2, a: 1 }) },
      boxed: [new Number(1), new String('ab'), new Boolean(false)],
      callable: Object.assign(() => 1, { toJSON: () => 'a function with toJSON' }),
      // A computed key makes an own member, as JSON.parse does, not the prototype.
      ['__proto__']: { polluted: true },
    };
    expect(canonicalJson(odd)).toBe(firstCanonicalJson(odd));
    expect(canonicalJson(odd)).toContain('"__proto__":{"polluted":true}');
  });
});
