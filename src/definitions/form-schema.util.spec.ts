import { describe, expect, it } from '@jest/globals';
import { compileFormSchema, newAjv } from './form-schema.util.js';

describe('the form validator', () => {
  it('does not run a pattern with an unbounded repetition on a string longer than 1,000 characters', () => {
    const validate = compileFormSchema({ type: 'string', maxLength: 10, pattern: '^1+$' });
    expect(validate('1'.repeat(5))).toBe(true);
    // `^1+$` matches the long string; the pattern's error shows it was not run on it.
    expect(validate('1'.repeat(2_000))).toBe(false);
    expect(validate.errors?.map((e) => e.keyword).sort()).toEqual(['maxLength', 'pattern']);
  });

  it('runs a pattern without one on a string of any length', () => {
    const validate = compileFormSchema({ type: 'string', maxLength: 10, pattern: '1{3}' });
    expect(validate('1'.repeat(2_000))).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['maxLength']);
  });

  it('leaves a property name too long for a repeating key pattern to additionalProperties', () => {
    const validate = compileFormSchema({
      type: 'object',
      patternProperties: { '^k\\d*$': { type: 'number' } },
      additionalProperties: false,
    });
    expect(validate({ k123: 1 })).toBe(true);
    expect(validate({ [`k${'1'.repeat(2_000)}`]: 1 })).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['additionalProperties']);
  });

  it('checks definitions with the same guard', () => {
    expect(newAjv().compile({ type: 'string', pattern: '^a+$' })('a'.repeat(2_000))).toBe(false);
  });
});
