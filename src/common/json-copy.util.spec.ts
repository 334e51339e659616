import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { anyValue } from '../../test/support/arbitraries.js';
import { jsonCopy } from './json-copy.util.js';

/** What the copy stands in for. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('jsonCopy', () => {
  it('gives what a trip through JSON gives, for any value JSON can write', () => {
    fc.assert(
      fc.property(anyValue(), (value) => {
        // JSON.stringify answers undefined (no text at all) for these; there is nothing to compare with.
        fc.pre(JSON.stringify(value) !== undefined);
        expect(jsonCopy(value).copy).toStrictEqual(throughJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('drops what JSON drops and turns into null what JSON turns into null', () => {
    const value = {
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Symbol('s'), NaN, Infinity, -0, new Date(Number.NaN)],
      at: new Date('2026-12-01T10:00:00.123Z'),
      custom: { toJSON: (key: string) => `as ${key}` },
    };
    const { copy } = jsonCopy(value);
    expect(copy).toStrictEqual(throughJson(value));
    expect(copy).toStrictEqual({
      list: [null, null, null, null, null, 0, null],
      at: '2026-12-01T10:00:00.123Z',
      custom: 'as custom',
    });
  });

  it('keeps a __proto__ member as a member, as JSON.parse does, and leaves the prototype alone', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const { copy } = jsonCopy(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(copy).toStrictEqual(throughJson(value));
    expect(Object.keys(copy as object)).toEqual(['__proto__', 'a']);
  });

  it('shares nothing with the value it copies', () => {
    const value = { a: { b: [{ c: 1 }] } };
    const { copy } = jsonCopy(value) as { copy: typeof value };
    copy.a.b[0]!.c = 2;
    expect(value.a.b[0]!.c).toBe(1);
  });

  it('weighs the characters of its strings and keys, a bound below the length of its JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { weight } = jsonCopy(value);
        expect(weight).toBeLessThanOrEqual(JSON.stringify(value).length);
      }),
    );
    expect(jsonCopy({ ab: 'cde', f: [1, 'g'] }).weight).toBe(2 + 3 + 1 + 1);
  });

  it('refuses a bigint, as JSON.stringify does', () => {
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
  });
});
