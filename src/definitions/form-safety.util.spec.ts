import { describe, expect, it } from '@jest/globals';
import { formSafetyErrors, regexProblem } from './form-safety.util.js';

describe('regexProblem', () => {
  it('accepts the patterns forms use', () => {
    for (const pattern of [
      '^[0-9]{17}[0-9X]$',
      '^1[3-9][0-9]{9}$',
      '^[a-z]+@[a-z]+\\.cn$',
      '^(CN|HK)-\\d{6}$',
    ]) {
      expect(regexProblem(pattern)).toBeNull();
    }
  });

  it('refuses nested quantifiers, repeated alternatives and backreferences', () => {
    expect(regexProblem('^(a+)+$')).toMatch(/exponential/);
    expect(regexProblem('^(a|a)*$')).toMatch(/exponential/);
    expect(regexProblem('^((ab|a)c)+$')).toMatch(/exponential/);
    expect(regexProblem('^(?:x|xy){2,}$')).toMatch(/exponential/);
    expect(regexProblem('^(a)\\1$')).toMatch(/backreferences/);
    expect(regexProblem('(')).toMatch(/not a valid/);
  });
});

describe('formSafetyErrors', () => {
  it('asks for a maxLength beside a pattern with unbounded repetition, and only there', () => {
    const form = {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^[0-9]{18}$' },
        email: { type: 'string', pattern: '^[a-z]+@[a-z]+$' },
        short: { type: 'string', pattern: '^[a-z]+$', maxLength: 40 },
      },
    };
    expect(formSafetyErrors(form)).toEqual([
      { path: '$.form.properties.email.pattern', message: expect.stringMatching(/maxLength/) },
    ]);
  });

  it('names unsafe patterns wherever they sit, keys of patternProperties included', () => {
    const form = {
      type: 'object',
      patternProperties: { '^(a+)+$': { type: 'string' } },
      properties: { list: { type: 'array', items: { type: 'string', pattern: '(x|xx)+y', maxLength: 9 } } },
    };
    expect(
      formSafetyErrors(form)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['$.form.patternProperties["^(a+)+$"]', '$.form.properties.list.items.pattern']);
  });

  it('allows uniqueItems on scalars, or on short arrays of objects only', () => {
    const items = { type: 'object', properties: { a: { type: 'string' } } };
    expect(formSafetyErrors({ type: 'array', uniqueItems: true, items: { type: 'string' } })).toEqual([]);
    expect(formSafetyErrors({ type: 'array', uniqueItems: true, items, maxItems: 20 })).toEqual([]);
    expect(formSafetyErrors({ type: 'array', uniqueItems: true, items })).toEqual([
      { path: '$.form.uniqueItems', message: expect.stringMatching(/maxItems/) },
    ]);
    expect(formSafetyErrors({ type: 'array', uniqueItems: true })).toHaveLength(1);
  });
});
