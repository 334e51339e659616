import { describe, expect, it } from '@jest/globals';
import { jsonBodyProblems, MAX_JSON_DEPTH } from './json-body.util.js';

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
});
