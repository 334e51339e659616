import { describe, expect, it } from '@jest/globals';
import { jsonBodyProblems, jsonStructureProblem, MAX_JSON_DEPTH } from './json-body.util.js';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('jsonBodyProblems', () => {
  it('accepts ordinary documents', () => {
    expect(jsonBodyProblems({ a: [1, 'two', { three: null }], b: '中文' })).toEqual([]);
    expect(jsonBodyProblems(nested(MAX_JSON_DEPTH))).toEqual([]);
  });

  it('refuses nesting past the limit without overflowing on very deep input', () => {
    expect(jsonBodyProblems(nested(MAX_JSON_DEPTH + 1))).toHaveLength(1);
    expect(jsonBodyProblems(nested(100_000))[0]?.message).toMatch(/deeper/);
  });

  it('names the path of a NUL character or an unpaired surrogate, in values and keys', () => {
    expect(jsonBodyProblems({ data: { name: 'a\u0000b' } })).toEqual([
      { path: '$.data.name', message: expect.stringMatching(/NUL/) },
    ]);
    expect(jsonBodyProblems({ list: ['ok', '\ud800'] })[0]?.path).toBe('$.list[1]');
    expect(jsonBodyProblems({ ['k\u0000']: 1 })[0]?.path).toBe('$.k\u0000');
  });

  it('names a __proto__ key wherever it is, and no other key', () => {
    const body = JSON.parse(
      '{"__proto__":{"a":1},"data":{"list":[{"__proto__":null}],"proto":1}}',
    ) as unknown;
    expect(jsonBodyProblems(body)).toEqual([
      { path: '$.__proto__', message: 'is not allowed as a property name' },
      { path: '$.data.list[0].__proto__', message: 'is not allowed as a property name' },
    ]);
    expect(jsonBodyProblems({ constructor: 1, prototype: { toString: 2 } })).toEqual([]);
  });
});

describe('jsonBodyProblems with limits', () => {
  const limits = { maxKeys: 3, maxArrayLength: 2, maxStringLength: 5 };

  it('accepts documents at the limits', () => {
    expect(jsonBodyProblems({ a: [1, 2], b: 'abcde', c: { x: 1, y: 2, z: 3 } }, limits)).toEqual([]);
  });

  it('names objects, arrays, strings and keys past the limits', () => {
    expect(jsonBodyProblems({ a: { w: 1, x: 2, y: 3, z: 4 } }, limits)).toEqual([
      { path: '$.a', message: 'has more than 3 properties' },
    ]);
    expect(jsonBodyProblems({ a: [1, 2, 3] }, limits)).toEqual([
      { path: '$.a', message: 'has more than 2 elements' },
    ]);
    expect(jsonBodyProblems({ a: 'abcdef' }, limits)).toEqual([
      { path: '$.a', message: 'is longer than 5 characters' },
    ]);
    expect(jsonBodyProblems({ abcdef: 1 }, limits)).toEqual([
      { path: '$', message: 'has a key that is longer than 5 characters' },
    ]);
  });

  it('refuses numbers JSON.parse could only read as infinite', () => {
    expect(jsonBodyProblems(JSON.parse('{"n": 1e309, "m": [-1e400]}'))).toEqual(
      expect.arrayContaining([
        { path: '$.n', message: 'is a number too large to store' },
        { path: '$.m[0]', message: 'is a number too large to store' },
      ]),
    );
  });
});

describe('jsonStructureProblem', () => {
  const limits = { maxKeys: 3, maxArrayLength: 2, maxStringLength: 5 };
  const problemOf = (value: unknown) => jsonStructureProblem(JSON.stringify(value), limits);

  it('finds what jsonBodyProblems finds, before parsing, with the same path', () => {
    for (const value of [
      { a: { w: 1, x: 2, y: 3, z: 4 } },
      { a: [1, 2, 3] },
      { a: [{}, [], 'x'] },
      { list: [[1], [1, 2, 3]] },
      { 'o"k': { k: ['a', 'b', 'c'] } },
      { a: { b: { '1': 1, '2': 2, '3': 3, '4': 4 } } },
    ]) {
      expect(problemOf(value)).toEqual(jsonBodyProblems(value, limits)[0]);
    }
  });

  it('passes documents at the limits, strings with brackets and escapes included', () => {
    expect(problemOf({ a: ['[{,:', 'x\\"]'], b: { c: '}' }, d: null })).toBeNull();
    expect(problemOf([true, false])).toBeNull();
  });

  it('gives up on malformed text, leaving it to JSON.parse', () => {
    expect(jsonStructureProblem('{"a": 1,, ]]]', limits)).toBeNull();
    expect(jsonStructureProblem(':::', limits)).toBeNull();
  });
});
