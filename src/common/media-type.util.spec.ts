import { describe, expect, it } from '@jest/globals';
import { mediaTypeParameter } from './media-type.util.js';

describe('mediaTypeParameter', () => {
  it('reads a parameter by its name in any case, unquoting a quoted value', () => {
    expect(mediaTypeParameter('application/json; charset=UTF-8', 'charset')).toBe('UTF-8');
    expect(mediaTypeParameter('application/json;CHARSET="utf-8"', 'charset')).toBe('utf-8');
    expect(mediaTypeParameter('application/json; q=1 ; charset = latin1 ', 'charset')).toBe('latin1');
    expect(mediaTypeParameter('application/json; charset="a\\"b"', 'charset')).toBe('a"b');
  });

  it("does not take a parameter from inside another one's quoted value", () => {
    expect(mediaTypeParameter('application/json; foo="x;charset=latin1"', 'charset')).toBeUndefined();
    expect(mediaTypeParameter('application/json; foo="x;charset=latin1"; charset=utf-8', 'charset')).toBe(
      'utf-8',
    );
  });

  it('answers the first of two, an empty value as empty, and none as undefined', () => {
    expect(mediaTypeParameter('application/json; charset=utf-8; charset=latin1', 'charset')).toBe('utf-8');
    expect(mediaTypeParameter('application/json; charset=', 'charset')).toBe('');
    expect(mediaTypeParameter('application/json', 'charset')).toBeUndefined();
    expect(mediaTypeParameter('application/json; charset="utf-8', 'charset')).toBe('"utf-8');
  });
});
