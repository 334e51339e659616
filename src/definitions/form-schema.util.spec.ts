import { describe, expect, it } from '@jest/globals';
import type { ValidateFunction } from 'ajv';
import {
  compileFormSchema,
  formMetaErrors,
  formValidatorSource,
  loadFormValidator,
  newAjv,
} from './form-schema.util.js';
import { patternGuardLengths } from './form-safety.util.js';

/** The two ways a validator is made: on the thread it runs on, and as module source made elsewhere, loaded there. */
const compilers: [string, (form: Record<string, unknown>) => ValidateFunction][] = [
  ['compiled where it runs', compileFormSchema],
  ['compiled as module source and loaded', (form) => loadFormValidator(form, formValidatorSource(form))],
];

/** What the last check refused, as `path keyword`, sorted. */
const refused = (validate: ValidateFunction) =>
  (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort();

/** `good` passes, and `bad` is refused for exactly `refusals` (as `refused` lists them). */
function expectVerdicts(validate: ValidateFunction, good: unknown, bad: unknown, refusals: string[]): void {
  expect(validate(good)).toBe(true);
  expect(validate(bad)).toBe(false);
  expect(refused(validate)).toEqual(refusals);
}

describe.each(compilers)('the form validator, %s', (_how, compileFormSchema) => {
  /** An object form of these properties, compiled. */
  const fieldsForm = (properties: Record<string, Record<string, unknown>>) =>
    compileFormSchema({ type: 'object', properties });

  it('matches each property against its own pattern when a form has several', () => {
    // Bounded and unbounded alike: Ajv keys its patterns by their text, and a wrapper that printed as
    // `[object Object]` made every pattern of the form run as the first one.
    const validate = fieldsForm({
      idNumber: { type: 'string', pattern: '^[0-9]{17}[0-9X]$' },
      phone: { type: 'string', pattern: '^1[3-9][0-9]{9}$' },
      code: { type: 'string', maxLength: 10, pattern: '^[A-Z]+$' },
      tag: { type: 'string', maxLength: 10, pattern: '^[a-z]+$' },
    });
    expectVerdicts(
      validate,
      { idNumber: '11010519491231002X', phone: '13800138000', code: 'AB', tag: 'ab' },
      { idNumber: '13800138000', phone: '11010519491231002X', code: 'ab', tag: 'AB' },
      ['/code pattern', '/idNumber pattern', '/phone pattern', '/tag pattern'],
    );
  });

  it('does not run a pattern with an unbounded repetition on a string longer than 1,000 characters', () => {
    const validate = compileFormSchema({ type: 'string', maxLength: 10, pattern: '^1+$' });
    expect(validate('1'.repeat(5))).toBe(true);
    // `^1+$` matches the long string; the pattern's error shows it was not run on it.
    expect(validate('1'.repeat(2_000))).toBe(false);
    expect(validate.errors?.map((e) => e.keyword).sort()).toEqual(['maxLength', 'pattern']);
  });

  it('does not run it on a string longer than the longest maxLength beside it in the form', () => {
    // `^a*a*a*$` beside a maxLength of 271 took 450 ms on one string of 1,000 characters when it was run there.
    const form = {
      type: 'object',
      properties: {
        short: { type: 'string', maxLength: 10, pattern: '^1+$' },
        long: { type: 'string', maxLength: 100, pattern: '^1+$' },
      },
    };
    const validate = compileFormSchema(form);
    // `^1+$` matches every string here: a pattern error says it was not run.
    expectVerdicts(
      validate,
      { short: '1'.repeat(10), long: '1'.repeat(100) },
      { short: '1'.repeat(50), long: '1'.repeat(500) },
      ['/long maxLength', '/long pattern', '/short maxLength'],
    );
    expect(patternGuardLengths({ ...form, patternProperties: { '^k\\d*$': {} } })).toEqual(
      new Map([
        ['^1+$', 100],
        ['^k\\d*$', 1_000],
      ]),
    );
  });

  it('stops matching once a document has spent the budget registration gives all the patterns of a form', () => {
    // Two strings of 271 characters fit the budget: 1,000 of them past the maxItems took 9.5 s before.
    const validate = compileFormSchema({
      type: 'array',
      maxItems: 2,
      items: { type: 'string', maxLength: 271, pattern: '^a*a*a*$' },
    });
    expect(validate(['a'.repeat(271), 'a'.repeat(271)])).toBe(true);
    expect(validate(Array.from({ length: 1000 }, () => 'a'.repeat(271)))).toBe(false);
    // Past the budget no answer of a pattern is trusted: the document is refused as too costly, as a whole.
    expect(validate.errors).toEqual([
      expect.objectContaining({
        instancePath: '',
        keyword: 'x-pattern-cost',
        message: expect.stringMatching(/steps/),
      }),
    ]);
    // A new call starts with the whole budget again.
    expect(validate(['a'.repeat(271), 'a'.repeat(271)])).toBe(true);
  });

  it('never lets a spent budget turn a not or an anyOf the other way', () => {
    // The first branch fails its maxItems but still matches every item, spending the budget on a valid document.
    const costly = {
      anyOf: [
        { type: 'array', maxItems: 1, items: { type: 'string', pattern: '[a-z]+$', maxLength: 1000 } },
        { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 1000 } },
      ],
    };
    const validate = compileFormSchema({
      type: 'object',
      properties: { list: costly, user: { type: 'string', not: { pattern: '^admin$' } } },
    });
    const list = Array.from({ length: 41 }, () => 'a'.repeat(1000));
    expect(validate({ list: list.slice(0, 1), user: 'admin' })).toBe(false);
    expect(refused(validate)).toEqual(['/user not']);
    // "No match" from a pattern that no longer runs would have let `admin` through the `not`.
    expect(validate({ list, user: 'admin' })).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['x-pattern-cost']);
    expect(validate({ list: list.slice(0, 1), user: 'ann' })).toBe(true);
  });

  it('lets a string of as many characters as its maxLength through, astral ones counted once', () => {
    const validate = fieldsForm({
      comment: { type: 'string', maxLength: 500, pattern: '^[^<>]*$' },
      name: { type: 'string', maxLength: 4, pattern: '^\\p{L}+$' },
    });
    expectVerdicts(
      validate,
      { comment: `${'a'.repeat(480)}${'😀'.repeat(15)}`, name: '𠮷野太郎' },
      { comment: `${'a'.repeat(480)}${'😀'.repeat(25)}`, name: '𠮷野太郎𠮷' },
      ['/comment maxLength', '/comment pattern', '/name maxLength', '/name pattern'],
    );
  });

  it('keeps the guard of each spelling of a pattern apart', () => {
    // The same regular expression written two ways, beside different maxLengths.
    const validate = fieldsForm({
      a: { type: 'string', maxLength: 5, pattern: '^x\\/y+$' },
      b: { type: 'string', maxLength: 100, pattern: '^x/y+$' },
    });
    expect(validate({ a: 'x/yyy', b: `x/${'y'.repeat(10)}` })).toBe(true);
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

  it("checks formats, unique items, local references and dependent schemas with Ajv's runtime", () => {
    const validate = compileFormSchema({
      type: 'object',
      $defs: { day: { type: 'string', format: 'date' } },
      properties: {
        email: { type: 'string', format: 'email' },
        opened: { $ref: '#/$defs/day' },
        owners: { type: 'array', uniqueItems: true, maxItems: 10, items: { type: 'object' } },
        licence: { type: 'string' },
      },
      dependentSchemas: { licence: { required: ['opened'] } },
    });
    expectVerdicts(
      validate,
      { email: 'a@b.cn', opened: '2026-02-28', owners: [{ id: 1 }, { id: 2 }], licence: 'L1', extra: 1 },
      { email: 'a@', opened: '2026-02-30', owners: [{ id: 1 }, { id: 1 }], licence: 'L1' },
      ['/email format', '/opened format', '/owners uniqueItems'],
    );
    expect(validate({ licence: 'L1' })).toBe(false);
    expect(refused(validate)).toEqual([' required']);
  });
});

describe('the Ajv of definitions', () => {
  it('checks definitions with the same guard', () => {
    expect(newAjv().compile({ type: 'string', pattern: '^a+$' })('a'.repeat(2_000))).toBe(false);
  });
});

describe('a validator loaded from module source', () => {
  it("gives the source no module but the guarded matchers, Ajv's runtime and the formats", () => {
    const form = { type: 'string' };
    const source = `${formValidatorSource(form)}\nrequire('node:fs');`;
    expect(() => loadFormValidator(form, source)).toThrow("a form validator's source asked for node:fs");
  });
});

describe('the meta-schema check', () => {
  const form = {
    $id: 'https://forms.example/permit',
    type: 'object',
    properties: { n: { type: 'integer' } },
  };

  it('names what makes a form no JSON Schema, and passes one that is', () => {
    expect(formMetaErrors({ type: 'nope' })).toMatch(
      /^form\/type must be equal to one of the allowed values/,
    );
    expect(formMetaErrors({ properties: { n: { minimum: 'one' } } })).toMatch(/minimum must be number/);
    expect(formMetaErrors(form)).toBeNull();
  });

  it('keeps none of the forms it checks: the same $id is checked again, and still compiled on its own', () => {
    expect(formMetaErrors(form)).toBeNull();
    expect(formMetaErrors({ ...form, properties: { n: { type: 'string' } } })).toBeNull();
    expect(compileFormSchema(form)({ n: 1 })).toBe(true);
    expect(compileFormSchema({ ...form, properties: { n: { type: 'string' } } })({ n: 1 })).toBe(false);
  });
});
