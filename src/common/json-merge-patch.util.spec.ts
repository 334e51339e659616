import { describe, expect, it } from '@jest/globals';
import { changedPaths, mergePatch, pathsOverlap } from './json-merge-patch.util.js';

describe('mergePatch (RFC 7396)', () => {
  // The examples of RFC 7396, appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('patches %j with %j into %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('leaves the target untouched', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('changedPaths', () => {
  it('names the deepest members that differ, added and removed ones too', () => {
    expect(
      changedPaths(
        { applicant: { name: 'Ann', id: '1' }, address: 'x', seats: 3 },
        { applicant: { name: 'Anne', id: '1' }, seats: 3, floorPlan: 'p' },
      ),
    ).toEqual(['address', 'applicant.name', 'floorPlan']);
  });

  it('finds nothing between equal documents', () => {
    expect(changedPaths({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});

describe('pathsOverlap', () => {
  it('sees a change inside, at, or around a path read', () => {
    expect(pathsOverlap('applicant', 'applicant.name')).toBe(true);
    expect(pathsOverlap('applicant.name', 'applicant')).toBe(true);
    expect(pathsOverlap('address', 'address')).toBe(true);
    expect(pathsOverlap('applicant.name', 'applicant.idNumber')).toBe(false);
    expect(pathsOverlap('seat', 'seats')).toBe(false);
  });
});
