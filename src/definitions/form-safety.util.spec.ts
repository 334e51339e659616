import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_JSON_LIMITS,
  FORM_MAX_EVALUATIONS,
  FORM_MAX_PATTERN_STEPS,
  formSafetyErrors,
  longestStringFor,
  repetitions,
  regexProblem,
} from './form-safety.util.js';

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

  it('bounds the maxLength beside a pattern by the parts it repeats, so that its search stays cheap', () => {
    const field = (pattern: string, maxLength?: number) =>
      formSafetyErrors({ type: 'string', pattern, ...(maxLength === undefined ? {} : { maxLength }) });
    // Five chained quantifiers: a search is about n^5 steps, 22 s for 200 characters.
    expect(field('^\\d*\\d*\\d*\\d*\\d*$', 1000)).toEqual([
      {
        path: '$.form.pattern',
        message: 'needs a maxLength of at most 28 beside it, so matching stays cheap',
      },
    ]);
    expect(field('^\\d*\\d*\\d*\\d*\\d*$', 28)).toEqual([]);
    // Unanchored, a search starts at every position: one repeated part more.
    expect(longestStringFor('^\\S+@\\S+\\.\\S+$')).toBe(271);
    expect(longestStringFor('[a-z0-9.]+@[a-z0-9.]+')).toBe(271);
    expect(field('^\\S+@\\S+\\.\\S+$', 254)).toEqual([]);
    expect(field('[a-z0-9.]+@[a-z0-9.]+', 254)).toEqual([]);
    // A bounded repetition costs its span: once a search runs into it, or on every position.
    expect(field('\\d{0,1000}\\d{0,1000}\\d{0,1000}')).toEqual([
      { path: '$.form.pattern', message: expect.stringMatching(/too many ways/) },
    ]);
    expect(field('^\\d+-\\d{0,1000}$', 1000)).toEqual([]);
    expect(field('\\d+-\\d{0,1000}', 1000)).toEqual([
      { path: '$.form.pattern', message: expect.stringMatching(/at most 271 /) },
    ]);
    expect(field('^[0-9]{12,19}$')).toEqual([]);
    expect(field('^\\d{4}-\\d{2}-\\d{2}$')).toEqual([]);
    expect(longestStringFor('^[a-z]{2,8}$')).toBeNull();
    // A lazy quantifier's `?` and a group's `(?:` add no span; an optional part does.
    expect(repetitions('^(?:ab)+?c*?d?$')).toEqual({ unbounded: 2, spans: [2] });
    expect(repetitions('^[a\\]*+?]x{2,5}$')).toEqual({ unbounded: 0, spans: [4] });
    // Inside a character class, `*` and `+` are characters.
    expect(longestStringFor('^[*+]{3}$')).toBeNull();
  });

  it('refuses a key of patternProperties too costly for a property name of 1,000 characters', () => {
    const keys = (pattern: string) =>
      formSafetyErrors({
        type: 'object',
        maxProperties: 40,
        patternProperties: { [pattern]: { type: 'number' } },
      });
    expect(keys('^x\\d*\\d*$')).toEqual([]);
    expect(keys('^\\d*\\d*\\d*$')).toEqual([
      {
        path: `$.form.patternProperties[${JSON.stringify('^\\d*\\d*\\d*$')}]`,
        message: expect.stringMatching(/property name of 1000 characters/),
      },
    ]);
  });

  describe('bounds what all its patterns may take on one submission', () => {
    // 271 is the longest string for `^a*a*a*$` alone; on 1,000 of them in one array it took 9.5 to 12.6 s.
    const field = { type: 'string', maxLength: 271, pattern: '^a*a*a*$' };
    const list = (array: Record<string, unknown>) => ({ type: 'object', properties: { list: array } });

    it('refuses a pattern under an array without maxItems, and says what bound to give it', () => {
      expect(formSafetyErrors(list({ type: 'array', items: field }))).toEqual([
        {
          path: '$.form.properties.list.items.pattern',
          message: expect.stringMatching(
            /^may be matched on 1000 strings of up to 271 characters in one submission, .* give the array at \$\.form\.properties\.list a maxItems of at most 2, or lower the maxLength beside it to at most 34, so matching stays cheap$/,
          ),
        },
      ]);
      // The body's limits stand in where the schema gives none.
      const limits = { maxArrayLength: 2, maxKeys: 1000, maxStringLength: 100_000, maxBodyBytes: 1_048_576 };
      expect(formSafetyErrors(list({ type: 'array', items: field }), '$.form', limits)).toEqual([]);
    });

    it('accepts it under a small enough maxItems, and asks to lower one too large', () => {
      expect(formSafetyErrors(list({ type: 'array', maxItems: 2, items: field }))).toEqual([]);
      expect(formSafetyErrors(list({ type: 'array', maxItems: 3, items: field }))).toEqual([
        {
          path: '$.form.properties.list.items.pattern',
          message: expect.stringMatching(
            /lower the maxItems of the array at \$\.form\.properties\.list to at most 2,/,
          ),
        },
      ]);
      // Short strings: many of them.
      const short = { type: 'string', maxLength: 20, pattern: '^a*a*a*$' };
      expect(formSafetyErrors(list({ type: 'array', maxItems: 1000, items: short }))).toEqual([]);
    });

    it('multiplies the bounds of nested arrays, and bounds the one that can bring it within', () => {
      const cell = { type: 'string', maxLength: 100, pattern: '^a*a*$' }; // 10,000 steps each
      const grid = (rows?: number, cells?: number) =>
        list({
          type: 'array',
          ...(rows === undefined ? {} : { maxItems: rows }),
          items: { type: 'array', ...(cells === undefined ? {} : { maxItems: cells }), items: cell },
        });
      expect(formSafetyErrors(grid(40, 100))).toEqual([]);
      expect(formSafetyErrors(grid(100))).toEqual([
        {
          path: '$.form.properties.list.items.items.pattern',
          message: expect.stringMatching(
            // 100 × 1,000 strings by the arrays, of which a body of 1 MiB holds 10,180 of 100 characters.
            /on 10180 strings .* give the array at \$\.form\.properties\.list\.items a maxItems of at most 40,/,
          ),
        },
      ]);
      expect(formSafetyErrors(grid(undefined, 100))[0]?.message).toMatch(
        /lower the maxItems of the array at \$\.form\.properties\.list\.items to at most 4,/,
      );
      // Strings of 300 characters (90,000 steps): no bound on the inner array brings 1,000 rows within, the outer's does.
      cell.maxLength = 300;
      expect(formSafetyErrors(grid(undefined, 100))[0]?.message).toMatch(
        /give the array at \$\.form\.properties\.list a maxItems of at most 4,/,
      );
    });

    it('counts the keys of patternProperties and the patterns of propertyNames on every property', () => {
      // Anchored, two repetitions: 1,000,000 steps on a name of 1,000 characters.
      const keys = { type: 'object', patternProperties: { '^x\\d*\\d*$': { type: 'number' } } };
      expect(formSafetyErrors(keys)).toEqual([
        {
          path: `$.form.patternProperties[${JSON.stringify('^x\\d*\\d*$')}]`,
          message: expect.stringMatching(
            /on 1000 property names of up to 1000 characters .* give the object at \$\.form a maxProperties of at most 40, so/,
          ),
        },
      ]);
      expect(formSafetyErrors({ ...keys, maxProperties: 40 })).toEqual([]);
      // additionalProperties matches every name against them again.
      expect(formSafetyErrors({ ...keys, maxProperties: 40, additionalProperties: false })).toHaveLength(1);
      const names = { type: 'object', propertyNames: { maxLength: 271, pattern: '^a*a*a*$' } };
      expect(formSafetyErrors(names)).toEqual([
        {
          path: '$.form.propertyNames.pattern',
          message: expect.stringMatching(/on 1000 property names .* maxProperties of at most 2,/),
        },
      ]);
    });

    it('adds up every pattern, under one array item and through $refs', () => {
      const item = {
        type: 'object',
        properties: { a: field, b: field },
      };
      expect(formSafetyErrors(list({ type: 'array', maxItems: 1, items: item }))).toEqual([]);
      expect(formSafetyErrors(list({ type: 'array', maxItems: 2, items: item })).map((e) => e.path)).toEqual([
        '$.form.properties.list.items.properties.a.pattern',
        '$.form.properties.list.items.properties.b.pattern',
      ]);
      // A definition's pattern counts where it is referred to.
      const viaRef = {
        ...list({ type: 'array', items: { $ref: '#/$defs/f' } }),
        $defs: { f: field },
      };
      expect(formSafetyErrors(viaRef)).toEqual([
        {
          path: '$.form.$defs.f.pattern',
          message: expect.stringMatching(
            /give the array at \$\.form\.properties\.list a maxItems of at most 2,/,
          ),
        },
      ]);
      // Many fields matched once each add up too.
      const fields = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`f${i}`, field]));
      expect(formSafetyErrors({ type: 'object', properties: fields })[0]?.message).toMatch(
        new RegExp(
          `take ${FORM_MAX_PATTERN_STEPS} together .* lower the maxLength beside it to at most \\d+, so`,
        ),
      );
    });

    it('counts a dependency the way it counts a dependentSchemas', () => {
      const item = (keyword: string) => ({
        type: 'object',
        [keyword]: { a: { properties: { b: field } } },
      });
      for (const keyword of ['dependentSchemas', 'dependencies']) {
        expect(formSafetyErrors(list({ type: 'array', items: item(keyword) })).map((e) => e.path)).toEqual([
          `$.form.properties.list.items.${keyword}.a.properties.b.pattern`,
        ]);
      }
    });

    it('counts no more long strings than one body holds', () => {
      // `\S` without a maxLength: 1,000 strings of 100,000 characters would be 100,000,000 steps, but a body of
      // 1 MiB holds ten such strings, and shorter ones cost less per byte.
      const notBlank = { type: 'string', pattern: '\\S' };
      expect(formSafetyErrors(list({ type: 'array', items: notBlank }))).toEqual([]);
      expect(
        formSafetyErrors(list({ type: 'array', items: notBlank }), '$.form', {
          ...DEFAULT_JSON_LIMITS,
          maxBodyBytes: 500_000_000,
        }).map((e) => e.path),
      ).toEqual(['$.form.properties.list.items.pattern']);
      // The same for a costly pattern: a body that holds only two strings of 271 characters.
      const small = { ...DEFAULT_JSON_LIMITS, maxBodyBytes: 2 * 274 };
      expect(formSafetyErrors(list({ type: 'array', items: field }), '$.form', small)).toEqual([]);
    });
  });

  it('refuses a recursive form, at the $ref that leads back', () => {
    // Two branches at each level: checking data nested 20 deep took 98 s.
    const form = {
      type: 'object',
      properties: { x: { $ref: '#/$defs/n' } },
      $defs: {
        n: {
          type: 'object',
          oneOf: [{ properties: { a: { $ref: '#/$defs/n' } } }, { properties: { a: { $ref: '#/$defs/n' } } }],
        },
      },
    };
    expect(formSafetyErrors(form)).toEqual([
      { path: '$.form.$defs.n.oneOf[0].properties.a.$ref', message: expect.stringMatching(/recursive form/) },
    ]);
    expect(formSafetyErrors({ $ref: '#' })).toEqual([
      { path: '$.form.$ref', message: expect.stringMatching(/recursive form/) },
    ]);
  });

  it('counts what a check evaluates through every $ref, and refuses a form past the bound', () => {
    // Each level names the next from two branches: 2^levels evaluations of the last, with no recursion.
    const layered = (levels: number) => ({
      $ref: '#/$defs/l0',
      $defs: Object.fromEntries(
        Array.from({ length: levels }, (_, i) => [
          `l${i}`,
          i === levels - 1
            ? { type: 'string' }
            : { anyOf: [{ $ref: `#/$defs/l${i + 1}` }, { $ref: `#/$defs/l${i + 1}` }] },
        ]),
      ),
    });
    expect(formSafetyErrors(layered(8))).toEqual([]);
    expect(formSafetyErrors(layered(24))).toEqual([
      { path: '$.form', message: expect.stringMatching(new RegExp(`more than ${FORM_MAX_EVALUATIONS}`)) },
    ]);
    // A definition used from many places is counted at each, not walked where it is defined.
    const address = { type: 'object', properties: { city: { type: 'string' } } };
    const shared = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`a${i}`, { $ref: '#/$defs/address' }]),
      ),
      $defs: { address },
    };
    expect(formSafetyErrors(shared)).toEqual([]);
  });

  it('takes only $ref to a JSON pointer into the form', () => {
    const form = {
      type: 'object',
      properties: { x: { $ref: '#city' }, y: { $dynamicRef: '#meta' }, z: { $ref: '#/$defs/c~1d' } },
      $defs: { c: { $anchor: 'city', type: 'string' }, 'c/d': { type: 'string' } },
    };
    expect(
      formSafetyErrors(form)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['$.form.properties.x.$ref', '$.form.properties.y.$dynamicRef']);
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
