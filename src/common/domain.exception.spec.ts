import { describe, expect, it } from '@jest/globals';
import { listedFieldErrors, MAX_FIELD_ERRORS } from './domain.exception.js';

const errors = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `$.a[${i}]`, message: 'bad' }));

describe('listedFieldErrors', () => {
  it('lists every error up to the limit', () => {
    expect(listedFieldErrors(errors(MAX_FIELD_ERRORS))).toEqual(errors(MAX_FIELD_ERRORS));
  });

  it('past the limit lists the first ones and counts the rest in a last entry at the given path', () => {
    const listed = listedFieldErrors(errors(MAX_FIELD_ERRORS + 1), { path: '$.data' });
    expect(listed).toHaveLength(MAX_FIELD_ERRORS);
    expect(listed.slice(0, -1)).toEqual(errors(MAX_FIELD_ERRORS - 1));
    expect(listed.at(-1)).toEqual({ path: '$.data', message: 'and 2 more errors, not listed' });
  });

  it('counts the total a caller names when it passed only the first errors', () => {
    expect(listedFieldErrors(errors(MAX_FIELD_ERRORS), { total: 5000 }).at(-1)).toEqual({
      path: '$',
      message: `and ${5000 - MAX_FIELD_ERRORS + 1} more errors, not listed`,
    });
  });

  it('changes nothing when applied to its own result', () => {
    const once = listedFieldErrors(errors(1000));
    expect(listedFieldErrors(once)).toEqual(once);
  });
});
