import { describe, expect, it } from '@jest/globals';
import { changedPaths, mergePatch, pathsOverlap, pathWithin } from './json-merge-patch.util.js';

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

  it("keeps members named like Object.prototype's as ordinary data, at any depth", () => {
    const patch = JSON.parse(
      '{"seats":31,"constructor":"x","toString":{"a":1},"applicant":{"hasOwnProperty":"y","valueOf":null}}',
    ) as unknown;
    const result = mergePatch({ seats: 30, applicant: { name: 'Ann' } }, patch);
    expect(result).toStrictEqual({
      seats: 31,
      constructor: 'x',
      toString: { a: 1 },
      applicant: { name: 'Ann', hasOwnProperty: 'y' },
    });
    expect(Object.keys(result as object)).toEqual(['seats', 'applicant', 'constructor', 'toString']);
  });

  it('merges into an own __proto__ member, never into a prototype, and pollutes nothing', () => {
    const target = JSON.parse('{"__proto__":{"a":1}}') as unknown;
    const patch = JSON.parse('{"__proto__":{"b":2},"x":{"__proto__":{"polluted":true}}}') as unknown;
    const result = mergePatch(target, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.x)).toBe(Object.prototype);
    expect(JSON.stringify(result)).toBe('{"__proto__":{"a":1,"b":2},"x":{"__proto__":{"polluted":true}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((result as { polluted?: unknown }).polluted).toBeUndefined();
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

  it('names a member added with the name of an inherited property', () => {
    expect(changedPaths({ a: 1 }, { a: 1, constructor: { b: 1 } })).toEqual(['constructor']);
    expect(changedPaths({ a: {} }, { a: { toString: 'x' } })).toEqual(['a.toString']);
  });

  it('finds nothing between equal documents', () => {
    expect(changedPaths({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it("finds nothing where only the order of an object's members differs, inside arrays too", () => {
    // jsonb stores members shortest name first: the row read back is not in the order the applicant sent.
    const sent = { rooms: [{ label: 'kitchen', sqm: 10 }], applicant: { name: 'Ann', id: '1' } };
    const stored = { applicant: { id: '1', name: 'Ann' }, rooms: [{ sqm: 10, label: 'kitchen' }] };
    expect(changedPaths(stored, sent)).toEqual([]);
    expect(changedPaths(stored, { ...sent, rooms: [{ sqm: 11, label: 'kitchen' }] })).toEqual(['rooms']);
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

  it('sees a change of the whole document from every path', () => {
    expect(pathsOverlap('applicant.name', '')).toBe(true);
  });
});

describe('pathWithin', () => {
  it('holds for the path itself and what lies inside it, one way only', () => {
    expect(pathWithin('owner', 'owner')).toBe(true);
    expect(pathWithin('owner.name', 'owner')).toBe(true);
    expect(pathWithin('owner', 'owner.name')).toBe(false);
    expect(pathWithin('ownership', 'owner')).toBe(false);
  });
});
