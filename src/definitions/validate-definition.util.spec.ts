import { describe, expect, it } from '@jest/globals';
import { factHostWarnings, validateDefinition } from './validate-definition.util.js';

const form = {
  type: 'object',
  required: ['applicant', 'seats'],
  properties: {
    applicant: {
      type: 'object',
      properties: { name: { type: 'string' }, idNumber: { type: 'string' } },
    },
    seats: { type: 'integer' },
    address: { type: 'string' },
    creditCode: { type: 'string' },
    photos: { type: 'array', items: { type: 'string' } },
  },
};

function step(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: `Step ${id}`, department: 'dept-a', timeLimit: { workingDays: 2 }, ...extra };
}

function doc(steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { key: 'test-flow', name: 'Test flow', form, steps, ...extra };
}

function errorsOf(input: unknown, options?: { allowedFactHosts?: string[] }) {
  const result = validateDefinition(input, options);
  expect(result.definition).toBeNull();
  return result.errors;
}

describe('validateDefinition: a valid document', () => {
  it('returns the document with every default applied and no errors', () => {
    const { definition, errors } = validateDefinition(
      doc([step('first'), step('second', { after: ['first'] })]),
    );
    expect(errors).toEqual([]);
    expect(definition?.steps[0]).toEqual({
      ...step('first'),
      after: [],
      needs: [],
      produces: [],
      when: true,
      onTimeout: 'escalate',
      signoff: 1,
    });
    expect(definition?.steps[1]?.after).toEqual(['second'].map(() => 'first'));
  });

  it('keeps values that were given instead of overwriting them with defaults', () => {
    const given = step('first', { onTimeout: 'approve', signoff: 3, when: { '>': [{ var: 'seats' }, 5] } });
    const { definition } = validateDefinition(doc([given]));
    expect(definition?.steps[0]).toMatchObject({
      onTimeout: 'approve',
      signoff: 3,
      when: { '>': [{ var: 'seats' }, 5] },
    });
  });

  it('leaves fields undefined so that a step without a list sees every form field', () => {
    expect(validateDefinition(doc([step('first')])).definition?.steps[0]?.fields).toBeUndefined();
  });

  it('does not modify the input it was given', () => {
    const input = doc([step('first')]);
    const before = JSON.stringify(input);
    validateDefinition(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('accepts produced values on a step that may also be approved by rule or on timeout, as the format shows', () => {
    const result = validateDefinition(
      doc([
        step('ruled', { produces: ['a'], autoApprove: true }),
        step('deemed', { produces: ['b'], onTimeout: 'approve' }),
        step('both', {
          produces: ['c'],
          autoApprove: { '<=': [{ var: 'seats' }, 20] },
          onTimeout: 'approve',
        }),
        step('reader', { needs: ['a', 'b', 'c'] }),
      ]),
    );
    expect(result.errors).toEqual([]);
  });

  it('accepts every optional field of the format at once', () => {
    const input = doc(
      [
        step('lookup', {
          needs: ['applicant.idNumber'],
          fields: ['applicant.name', 'address'],
          when: { '==': [{ var: 'applicant.name' }, 'x'] },
          timeLimit: { hours: 4 },
          remindBefore: { minutes: 30 },
          onTimeout: 'reject',
          autoApprove: { and: [{ '==': [{ var: 'facts.registry.status' }, 'active'] }, { var: 'seats' }] },
          signoff: 2,
        }),
        step('issue', { produces: ['licenceNo'], onTimeout: 'escalate' }),
        step('later', { needs: ['licenceNo'], timeLimit: { seconds: 5 }, autoApprove: { var: 'licenceNo' } }),
      ],
      {
        $schema: './workflow.schema.json',
        description: 'All of it',
        calendar: 'cn-mainland',
        facts: {
          registry: {
            url: 'https://registry.example.gov/companies/{creditCode}',
            timeoutMs: 2000,
            cacheSeconds: 300,
          },
        },
      },
    );
    expect(validateDefinition(input).errors).toEqual([]);
  });
});

describe('validateDefinition: shape errors', () => {
  it('rejects a root that is not an object without throwing', () => {
    for (const input of [null, undefined, 42, 'text', [], true]) {
      expect(validateDefinition(input)).toEqual({
        definition: null,
        errors: [{ path: '$', message: 'must be a JSON object' }],
      });
    }
  });

  it('reports each missing required property at its path', () => {
    expect(errorsOf({})).toEqual([
      { path: '$.key', message: 'is required' },
      { path: '$.name', message: 'is required' },
      { path: '$.form', message: 'is required' },
      { path: '$.steps', message: 'is required' },
    ]);
  });

  it('reports missing required step properties under the step index', () => {
    expect(errorsOf(doc([{ id: 'only-id' }]))).toEqual([
      { path: '$.steps[0].name', message: 'is required' },
      { path: '$.steps[0].department', message: 'is required' },
      { path: '$.steps[0].timeLimit', message: 'is required' },
    ]);
  });

  it('reports steps that is not an array once, without throwing', () => {
    expect(errorsOf(doc('steps' as unknown as unknown[]))).toEqual([
      { path: '$.steps', message: 'must be an array' },
    ]);
    expect(errorsOf(doc({ a: 1 } as unknown as unknown[]))).toEqual([
      { path: '$.steps', message: 'must be an array' },
    ]);
  });

  it('requires at least one step', () => {
    expect(errorsOf(doc([]))).toEqual([{ path: '$.steps', message: 'must contain at least 1 elements' }]);
  });

  it('reports a step that is not an object at its index', () => {
    expect(errorsOf(doc([step('fine'), 7, null]))).toEqual([
      { path: '$.steps[1]', message: 'must be an object' },
      { path: '$.steps[2]', message: 'must be an object' },
    ]);
  });

  it('rejects keys and step ids that break the id pattern', () => {
    for (const bad of ['A-flow', '1flow', 'x', 'has space', 'under_score', 'a'.repeat(65)]) {
      const errors = errorsOf(doc([step(bad)], { key: bad }));
      expect(errors.map((e) => e.path)).toEqual(['$.key', '$.steps[0].id']);
    }
  });

  it('accepts ids at the edges of the pattern', () => {
    for (const good of ['ab', 'a1', 'a-b', 'a'.repeat(64)]) {
      expect(validateDefinition(doc([step(good)], { key: good })).errors).toEqual([]);
    }
  });

  it('reports unknown properties at the root, in steps, durations and facts', () => {
    const input = doc([step('first', { colour: 'red', timeLimit: { hours: 1, weeks: 2 } })], {
      extra: 1,
      facts: { registry: { url: 'https://r.example/{creditCode}', retries: 3 } },
    });
    expect(errorsOf(input)).toEqual([
      { path: '$.extra', message: 'is not a known property' },
      { path: '$.facts.registry.retries', message: 'is not a known property' },
      { path: '$.steps[0].colour', message: 'is not a known property' },
      { path: '$.steps[0].timeLimit.weeks', message: 'is not a known property' },
    ]);
  });

  it('reports __proto__ keys, which class-transformer would drop unseen', () => {
    const input = JSON.parse(
      '{"key":"ab","name":"x","form":{"type":"object"},"__proto__":{"a":1},"steps":[{"id":"s1","name":"S","department":"d","timeLimit":{"hours":1,"__proto__":{}}}]}',
    );
    expect(errorsOf(input)).toEqual([
      { path: '$.__proto__', message: 'is not allowed as a property name' },
      { path: '$.steps[0].timeLimit.__proto__', message: 'is not allowed as a property name' },
    ]);
  });

  it('reports constructor and prototype keys anywhere, form and rules included, with the other errors', () => {
    const input = JSON.parse(
      '{"key":"ab","name":"x","form":{"type":"object","properties":{"constructor":{"type":"string"}}},' +
        '"facts":{"prototype":{"url":"https://x.example/a"}},' +
        '"steps":[{"id":"s1","name":"S","department":"d","constructor":1,"when":{"constructor":[1]},' +
        '"timeLimit":{"fortnights":1}}]}',
    );
    expect(errorsOf(input)).toEqual([
      {
        path: '$.steps[0].timeLimit',
        message: 'must have exactly one of workingDays, hours, minutes, seconds',
      },
      { path: '$.steps[0].timeLimit.fortnights', message: 'is not a known property' },
      { path: '$.form.properties.constructor', message: 'is not allowed as a property name' },
      { path: '$.facts.prototype', message: 'is not allowed as a property name' },
      { path: '$.steps[0].constructor', message: 'is not allowed as a property name' },
      { path: '$.steps[0].when.constructor', message: 'is not allowed as a property name' },
    ]);
  });

  it('reports a wrong type once instead of also listing its length and pattern rules', () => {
    expect(errorsOf(doc([step('first')], { key: 5, name: ['x'] }))).toEqual([
      { path: '$.key', message: 'must be a string' },
      { path: '$.name', message: 'must be a string' },
    ]);
  });

  it('rejects an empty name and department', () => {
    expect(
      errorsOf(doc([step('first', { name: '', department: '' })], { name: '' })).map((e) => e.path),
    ).toEqual(['$.name', '$.steps[0].name', '$.steps[0].department']);
  });

  it('rejects a workflow or step name of whitespace only, which would show as nothing in inboxes and lists', () => {
    for (const name of ['   ', '\t', '\n \u3000', '\u200b', '\u200b\u200d\ufeff \u2060']) {
      expect(errorsOf(doc([step('first', { name })], { name }))).toEqual([
        { path: '$.name', message: 'must not be blank' },
        { path: '$.steps[0].name', message: 'must not be blank' },
      ]);
    }
    for (const name of ['x', ' Business licence ', '营业执照', '\u200b消防\u200b']) {
      expect(validateDefinition(doc([step('first', { name })], { name })).errors).toEqual([]);
    }
  });

  it('rejects a department that is blank or begins or ends with whitespace, which no claim would match', () => {
    for (const department of [
      '   ',
      '\t',
      ' fire',
      'fire ',
      'fire\n',
      '\u200b',
      '\ufefffire',
      'fire\u200d',
    ]) {
      expect(errorsOf(doc([step('first', { department })]))).toEqual([
        {
          path: '$.steps[0].department',
          message: 'must not be blank, nor begin or end with whitespace or an invisible character',
        },
      ]);
    }
    for (const department of ['fire', 'fire rescue', '消防', 'fire\u200bsafety']) {
      expect(validateDefinition(doc([step('first', { department })])).errors).toEqual([]);
    }
  });

  it('rejects a form that is not an object schema, which would refuse every submission', () => {
    for (const form of [{ type: 'string' }, { type: ['object', 'null'] }, {}, { properties: {} }]) {
      expect(errorsOf(doc([step('first')], { form }))).toEqual([
        { path: '$.form.type', message: "must be 'object'" },
      ]);
    }
    expect(validateDefinition(doc([step('first')], { form: { type: ['object'] } })).errors).toEqual([]);
  });

  it('requires form to be an object', () => {
    for (const bad of [[], 'schema', 3, null]) {
      expect(errorsOf(doc([step('first')], { form: bad }))).toEqual([
        { path: '$.form', message: 'must be an object' },
      ]);
    }
  });

  it('points at each non-string element of a string list', () => {
    expect(errorsOf(doc([step('first', { after: ['x', 3], needs: [null], fields: 'seats' })]))).toEqual([
      { path: '$.steps[0].after[1]', message: 'must be a string' },
      { path: '$.steps[0].needs[0]', message: 'must be a string' },
      { path: '$.steps[0].fields', message: 'must be an array' },
    ]);
  });

  it('rejects repeated entries within one list', () => {
    expect(errorsOf(doc([step('first', { produces: ['a', 'a'] })]))).toEqual([
      { path: '$.steps[0].produces', message: 'must not repeat a value' },
    ]);
  });

  it('rejects an empty produced value name', () => {
    expect(errorsOf(doc([step('first', { produces: ['ok', ''] })]))).toEqual([
      { path: '$.steps[0].produces[1]', message: 'should not be empty' },
    ]);
  });
  it('rejects null for optional properties instead of treating it as absent', () => {
    const input = doc([step('first', { after: null, signoff: null, remindBefore: null, onTimeout: null })], {
      description: null,
      facts: null,
    });
    expect(errorsOf(input)).toEqual([
      { path: '$.description', message: 'must be a string' },
      { path: '$.facts', message: 'must be an object' },
      { path: '$.steps[0].after', message: 'must be an array' },
      {
        path: '$.steps[0].onTimeout',
        message: 'must be one of the following values: approve, reject, escalate',
      },
      { path: '$.steps[0].remindBefore', message: 'must be an object' },
      { path: '$.steps[0].signoff', message: 'must be an integer number' },
    ]);
  });

  it('keeps a null rule as null, since JSON Logic treats it as false', () => {
    expect(validateDefinition(doc([step('first', { when: null })])).definition?.steps[0]?.when).toBeNull();
  });
});

describe('validateDefinition: durations', () => {
  it('accepts exactly one positive integer unit', () => {
    for (const timeLimit of [{ workingDays: 1 }, { hours: 4 }, { minutes: 10 }, { seconds: 5 }]) {
      expect(validateDefinition(doc([step('first', { timeLimit })])).errors).toEqual([]);
    }
  });

  it('rejects no unit and two units', () => {
    for (const timeLimit of [{}, { hours: 1, minutes: 30 }, { workingDays: 1, seconds: 1 }]) {
      expect(errorsOf(doc([step('first', { timeLimit })]))).toEqual([
        {
          path: '$.steps[0].timeLimit',
          message: 'must have exactly one of workingDays, hours, minutes, seconds',
        },
      ]);
    }
  });

  it('rejects zero, negative, fractional and textual amounts', () => {
    expect(errorsOf(doc([step('first', { timeLimit: { hours: 0 } })]))).toEqual([
      { path: '$.steps[0].timeLimit.hours', message: 'must be a positive number' },
    ]);
    expect(errorsOf(doc([step('first', { timeLimit: { minutes: -5 } })]))[0]?.path).toBe(
      '$.steps[0].timeLimit.minutes',
    );
    expect(errorsOf(doc([step('first', { timeLimit: { workingDays: 1.5 } })]))).toEqual([
      { path: '$.steps[0].timeLimit.workingDays', message: 'must be an integer number' },
    ]);
    expect(errorsOf(doc([step('first', { timeLimit: { seconds: '5' } })]))[0]?.path).toBe(
      '$.steps[0].timeLimit.seconds',
    );
  });

  it('rejects a duration that is not an object', () => {
    expect(errorsOf(doc([step('first', { timeLimit: 3, remindBefore: 'soon' })]))).toEqual([
      { path: '$.steps[0].timeLimit', message: 'must be an object' },
      { path: '$.steps[0].remindBefore', message: 'must be an object' },
    ]);
  });

  it('applies the same rules to remindBefore', () => {
    expect(errorsOf(doc([step('first', { remindBefore: { hours: 1, minutes: 1 } })]))).toEqual([
      {
        path: '$.steps[0].remindBefore',
        message: 'must have exactly one of workingDays, hours, minutes, seconds',
      },
    ]);
  });
});

describe('validateDefinition: step options', () => {
  it('accepts only approve, reject and escalate as onTimeout', () => {
    expect(errorsOf(doc([step('first', { onTimeout: 'ignore' })]))).toEqual([
      {
        path: '$.steps[0].onTimeout',
        message: 'must be one of the following values: approve, reject, escalate',
      },
    ]);
  });

  it('requires signoff to be an integer of at least 1', () => {
    expect(errorsOf(doc([step('first', { signoff: 0 })]))).toEqual([
      { path: '$.steps[0].signoff', message: 'must not be less than 1' },
    ]);
    expect(errorsOf(doc([step('first', { signoff: 1.5 })]))).toEqual([
      { path: '$.steps[0].signoff', message: 'must be an integer number' },
    ]);
  });

  it('accepts any JSON as when and autoApprove', () => {
    for (const logic of [true, false, 1, 'x', null, [1, 2], { if: [true, 1, 2] }]) {
      expect(validateDefinition(doc([step('first', { when: logic, autoApprove: logic })])).errors).toEqual(
        [],
      );
    }
  });
});

describe('validateDefinition: the form schema', () => {
  it('rejects a property name holding a dot, which field paths could not tell from a nested property', () => {
    const dotted = {
      type: 'object',
      properties: {
        'id.number': { type: 'string', 'x-pii': true },
        owner: { type: 'object', properties: { 'e.mail': { type: 'string' }, name: { type: 'string' } } },
        list: { type: 'array', items: { type: 'object', properties: { 'a.b': { type: 'string' } } } },
      },
    };
    const errors = errorsOf(doc([step('first')], { form: dotted }));
    expect(errors).toEqual([
      { path: '$.form.properties["id.number"]', message: expect.stringMatching(/^must not contain '\.'/) },
      {
        path: '$.form.properties.owner.properties["e.mail"]',
        message: expect.stringMatching(/^must not contain/),
      },
    ]);
  });

  it('rejects a form that breaks the JSON Schema meta-schema', () => {
    const errors = errorsOf(doc([step('first')], { form: { type: 'objekt' } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('$.form');
    expect(errors[0]?.message).toMatch(/^is not a valid JSON Schema: .*type/);
  });

  it('takes a form in JSON Schema 2020-12 alone, refusing any other $schema without throwing', () => {
    for (const $schema of [
      'https://json-schema.org/draft/2020-12/schema',
      'https://json-schema.org/draft/2020-12/schema#',
    ]) {
      expect(validateDefinition(doc([step('first')], { form: { $schema, type: 'object' } })).errors).toEqual(
        [],
      );
    }
    for (const $schema of [
      'http://json-schema.org/draft-07/schema#',
      'https://json-schema.org/draft/2020-12/schema#/$defs/x',
      'https://example.gov/dialect',
      1,
    ]) {
      expect(errorsOf(doc([step('first')], { form: { $schema, type: 'object' } }))).toEqual([
        {
          path: '$.form',
          message:
            'is not a valid JSON Schema: form/$schema must be https://json-schema.org/draft/2020-12/schema, or absent',
        },
      ]);
    }
  });

  it('rejects a form whose regular expression does not compile', () => {
    const errors = errorsOf(
      doc([step('first')], { form: { properties: { a: { type: 'string', pattern: '(' } } } }),
    );
    expect(errors).toEqual([
      { path: '$.form', message: expect.stringMatching(/^is not a usable JSON Schema/) },
    ]);
  });

  it('rejects a reference that cannot be resolved', () => {
    const errors = errorsOf(
      doc([step('first')], { form: { properties: { a: { $ref: '#/$defs/missing' } } } }),
    );
    expect(errors.map((e) => e.path)).toEqual(['$.form']);
  });

  it('accepts formats from ajv-formats and two documents sharing an $id', () => {
    const withId = {
      $id: 'https://example.gov/forms/x',
      type: 'object',
      properties: { d: { type: 'string', format: 'date' } },
    };
    expect(validateDefinition(doc([step('first')], { form: withId })).errors).toEqual([]);
    expect(validateDefinition(doc([step('first')], { form: withId })).errors).toEqual([]);
  });
});

describe('validateDefinition: graph errors', () => {
  it('reports every later duplicate of a step id', () => {
    expect(errorsOf(doc([step('same'), step('other'), step('same'), step('same')]))).toEqual([
      { path: '$.steps[2].id', message: 'duplicates the id of $.steps[0]' },
      { path: '$.steps[3].id', message: 'duplicates the id of $.steps[0]' },
    ]);
  });

  it('reports unknown step ids in after', () => {
    expect(errorsOf(doc([step('first'), step('second', { after: ['first', 'ghost'] })]))).toEqual([
      { path: '$.steps[1].after[1]', message: "unknown step id 'ghost'" },
    ]);
  });

  it('reports a step waiting for itself', () => {
    expect(errorsOf(doc([step('first', { after: ['first'] })]))).toEqual([
      { path: '$.steps[0].after[0]', message: 'a step cannot wait for itself' },
    ]);
  });

  it('reports more than 2,000 waits between steps in all, counting after and needs together', () => {
    // Each step waits for the ten before it; in the second workflow one of them is also waited for through a need.
    const waiting = (i: number, extra: Record<string, unknown> = {}) =>
      step(`s${i}`, { after: Array.from({ length: Math.min(i, 10) }, (_v, j) => `s${i - 1 - j}`), ...extra });
    const steps = Array.from({ length: 200 }, (_v, i) => waiting(i));
    // 0 + 1 + … + 9 for the first ten, then 10 for each of the other 190: 1,945.
    expect(validateDefinition(doc(steps)).errors).toEqual([]);
    const more = [
      ...steps.slice(0, 199),
      waiting(199, { after: Array.from({ length: 66 }, (_v, j) => `s${j}`), needs: ['licenceNo'] }),
    ];
    more[150] = waiting(150, { produces: ['licenceNo'] });
    expect(errorsOf(doc(more))).toEqual([
      {
        path: '$.steps',
        message: 'wait for one another 2002 times in all (after and needs together); at most 2000',
      },
    ]);
  });

  it('reports a graph past the bound once, without listing its cycles', () => {
    // Every step after every other: 39,800 waits, and a cycle through each pair.
    const ids = Array.from({ length: 200 }, (_v, i) => `s${i}`);
    const steps = ids.map((id) => step(id, { after: ids.filter((other) => other !== id) }));
    expect(errorsOf(doc(steps))).toEqual([
      {
        path: '$.steps',
        message: 'wait for one another 39800 times in all (after and needs together); at most 2000',
      },
    ]);
  });

  it('reports a two-step cycle once, naming both steps in order', () => {
    expect(
      errorsOf(doc([step('a-step', { after: ['b-step'] }), step('b-step', { after: ['a-step'] })])),
    ).toEqual([
      {
        path: '$.steps[0]',
        message: 'dependency cycle: a-step -> b-step -> a-step (each must be approved before the next)',
      },
    ]);
  });

  it('names the steps of a longer cycle in the order they would have to be approved', () => {
    const steps = [
      step('aa', { after: ['cc'] }),
      step('bb', { after: ['aa'] }),
      step('cc', { after: ['bb'] }),
      step('dd', { after: ['aa'] }),
    ];
    expect(errorsOf(doc(steps))).toEqual([
      {
        path: '$.steps[0]',
        message: 'dependency cycle: aa -> bb -> cc -> aa (each must be approved before the next)',
      },
    ]);
  });

  it('reports two separate cycles separately', () => {
    const steps = [
      step('aa', { after: ['bb'] }),
      step('bb', { after: ['aa'] }),
      step('cc', { after: ['dd'] }),
      step('dd', { after: ['cc'] }),
    ];
    expect(errorsOf(doc(steps)).map((e) => e.path)).toEqual(['$.steps[0]', '$.steps[2]']);
  });

  it('finds a cycle that runs through data flow', () => {
    const steps = [
      step('aa', { needs: ['fromB'], produces: ['fromA'] }),
      step('bb', { needs: ['fromA'], produces: ['fromB'] }),
    ];
    expect(errorsOf(doc(steps))).toEqual([
      {
        path: '$.steps[0]',
        message: 'dependency cycle: aa -> bb -> aa (each must be approved before the next)',
      },
    ]);
  });

  it('accepts needs that name a top-level or nested form property', () => {
    expect(
      validateDefinition(doc([step('first', { needs: ['seats', 'applicant', 'applicant.idNumber'] })]))
        .errors,
    ).toEqual([]);
  });

  it('reports needs that are neither form properties nor produced', () => {
    expect(errorsOf(doc([step('first', { needs: ['seats', 'applicant.age', 'licenceNo'] })]))).toEqual([
      {
        path: '$.steps[0].needs[1]',
        message: "'applicant.age' is neither a form property nor produced by a step",
      },
      {
        path: '$.steps[0].needs[2]',
        message: "'licenceNo' is neither a form property nor produced by a step",
      },
    ]);
  });

  it('reports a step that needs only what it produces itself', () => {
    expect(errorsOf(doc([step('first', { needs: ['licenceNo'], produces: ['licenceNo'] })]))).toEqual([
      { path: '$.steps[0].needs[0]', message: "'licenceNo' is produced only by this step itself" },
    ]);
  });

  it('reports fields that are not form properties', () => {
    expect(errorsOf(doc([step('first', { fields: ['address', 'applicant.phone', 'licenceNo'] })]))).toEqual([
      { path: '$.steps[0].fields[1]', message: "'applicant.phone' is not a form property" },
      { path: '$.steps[0].fields[2]', message: "'licenceNo' is not a form property" },
    ]);
  });

  it('reports a value produced by two steps at the second producer', () => {
    expect(
      errorsOf(
        doc([step('first', { produces: ['licenceNo'] }), step('second', { produces: ['licenceNo'] })]),
      ),
    ).toEqual([
      { path: '$.steps[1].produces[0]', message: "'licenceNo' is already produced by step 'first'" },
    ]);
  });

  it('reports a produced value named like a member every object inherits', () => {
    expect(errorsOf(doc([step('first', { produces: ['licenceNo', '__proto__', 'toString'] })]))).toEqual([
      {
        path: '$.steps[0].produces[1]',
        message: "'__proto__' is a name every object inherits; choose another",
      },
      {
        path: '$.steps[0].produces[2]',
        message: "'toString' is a name every object inherits; choose another",
      },
    ]);
  });

  it('reports a produced value named with a dot, which a rule reading it by path would never find', () => {
    expect(errorsOf(doc([step('first', { produces: ['licence.no'] })]))).toEqual([
      {
        path: '$.steps[0].produces[0]',
        message: "'licence.no' must not contain '.': rules read values by dotted path",
      },
    ]);
  });

  it('reports a produced value that shadows a form property', () => {
    expect(errorsOf(doc([step('first', { produces: ['seats'] })]))).toEqual([
      {
        path: '$.steps[0].produces[0]',
        message: "'seats' is also a form property; a value must have one source",
      },
    ]);
  });
});

describe('validateDefinition: JSON Logic variables', () => {
  it('accepts form paths, array elements and defaults in when', () => {
    const when = {
      and: [{ '>': [{ var: 'seats' }, 50] }, { var: ['applicant.name', 'anon'] }, { var: 'photos.0' }],
    };
    expect(validateDefinition(doc([step('first', { when })])).errors).toEqual([]);
  });

  it('rejects a when that reads produced values or facts, because it runs at submission', () => {
    const steps = [
      step('first', { produces: ['licenceNo'] }),
      step('second', { when: { or: [{ var: 'licenceNo' }, { var: 'facts.registry.ok' }] } }),
    ];
    const facts = { registry: { url: 'https://r.example/{creditCode}' } };
    expect(errorsOf(doc(steps, { facts }))).toEqual([
      {
        path: '$.steps[1].when.or[0].var',
        message: "'licenceNo' is not a form property ('when' is decided at submission)",
      },
      {
        path: '$.steps[1].when.or[1].var',
        message: "'facts.registry.ok' is not a form property ('when' is decided at submission)",
      },
    ]);
  });

  it('rejects an undeclared property below a declared object', () => {
    expect(errorsOf(doc([step('first', { when: { var: 'applicant.age' } })]))).toEqual([
      {
        path: '$.steps[0].when.var',
        message: "'applicant.age' is not a form property ('when' is decided at submission)",
      },
    ]);
  });

  it('rejects an operation JSON Logic does not know, and log, wherever it sits', () => {
    const when = { and: [{ nope: [1] }, { '>': [{ var: 'seats' }, { log: 3 }] }] };
    const autoApprove = { '<': [{ var: 'seats' }, 30] };
    expect(errorsOf(doc([step('first', { when, autoApprove })]))).toEqual([
      {
        path: '$.steps[0].when.and[0].nope',
        message: "'nope' is not a JSON Logic operation (a rule using it would always be false)",
      },
      {
        path: '$.steps[0].when.and[1][">"][1].log',
        message: "'log' is not accepted: it writes the values it sees to the server's output",
      },
    ]);
  });

  it('locates a variable inside operators whose names need brackets', () => {
    expect(errorsOf(doc([step('first', { when: { '!': [{ '==': [{ var: 'nope' }, 1] }] } })]))).toEqual([
      {
        path: '$.steps[0].when["!"][0]["=="][0].var',
        message: "'nope' is not a form property ('when' is decided at submission)",
      },
    ]);
  });

  it('checks names listed in missing and missing_some', () => {
    const when = { or: [{ missing: ['seats', 'gone'] }, { missing_some: [1, ['address', 'lost']] }] };
    expect(errorsOf(doc([step('first', { when })])).map((e) => e.path)).toEqual([
      '$.steps[0].when.or[0].missing[1]',
      '$.steps[0].when.or[1].missing_some[1][1]',
    ]);
    // A key that is an array names its first element, as `var` reads it.
    expect(errorsOf(doc([step('first', { when: { missing: [[['gone']]] } })]))).toEqual([
      {
        path: '$.steps[0].when.missing[0][0][0]',
        message: "'gone' is not a form property ('when' is decided at submission)",
      },
    ]);
  });

  it('does not check variables inside map, filter and reduce bodies, which read each element', () => {
    const when = {
      some: [{ var: 'photos' }, { '==': [{ var: '' }, 'x'] }],
      // a literal object with two keys is data, not an operation
    };
    const autoApprove = {
      reduce: [{ var: 'photos' }, { '+': [{ var: 'current' }, { var: 'accumulator' }] }, 0],
    };
    expect(validateDefinition(doc([step('first', { when, autoApprove })])).errors).toEqual([]);
    expect(
      errorsOf(doc([step('first', { when: { map: [{ var: 'pics' }, { var: 'x' }] } })])).map((e) => e.path),
    ).toEqual(['$.steps[0].when.map[0].var']);
  });

  it('accepts produced values and declared facts in autoApprove', () => {
    const steps = [
      step('first', { produces: ['licence'] }),
      step('second', {
        autoApprove: { and: [{ var: 'licence.number' }, { var: 'facts.registry.status' }, { var: 'seats' }] },
      }),
    ];
    const facts = { registry: { url: 'https://r.example/{creditCode}' } };
    expect(validateDefinition(doc(steps, { facts })).errors).toEqual([]);
  });

  it('rejects undeclared facts and unknown values in autoApprove', () => {
    const autoApprove = { and: [{ var: 'facts.unknown.status' }, { var: 'facts' }, { var: 'nowhere' }] };
    expect(errorsOf(doc([step('first', { autoApprove })]))).toEqual([
      { path: '$.steps[0].autoApprove.and[0].var', message: "'facts.unknown.status' names no declared fact" },
      { path: '$.steps[0].autoApprove.and[1].var', message: "'facts' names no declared fact" },
      {
        path: '$.steps[0].autoApprove.and[2].var',
        message: "'nowhere' is neither a form property, a produced value nor a fact",
      },
    ]);
  });

  it('reads a variable named by an array of literals as that name, as json-logic-js does', () => {
    const autoApprove = { '!=': [{ var: [['facts.unknown.status']] }, 'listed'] };
    expect(errorsOf(doc([step('first', { autoApprove })]))).toEqual([
      {
        path: '$.steps[0].autoApprove["!="][0].var[0]',
        message: "'facts.unknown.status' names no declared fact",
      },
    ]);
  });

  it('refuses an autoApprove that computes what it reads where facts are declared, and accepts it where none are', () => {
    const facts = { registry: { url: 'https://r.example/{creditCode}' } };
    const computed = { '!=': [{ var: { cat: ['facts.', 'registry.status'] } }, 'listed'] };
    const whole = { '!!': { var: '' } };
    for (const autoApprove of [computed, whole]) {
      expect(errorsOf(doc([step('first', { autoApprove })], { facts }))).toEqual([
        {
          path: '$.steps[0].autoApprove',
          message:
            'reads a variable whose name it computes (or the whole data): where facts are declared, a rule names what it reads',
        },
      ]);
      expect(validateDefinition(doc([step('first', { autoApprove })])).errors).toEqual([]);
    }
  });
});

describe('validateDefinition: facts', () => {
  const withFact = (url: string) => doc([step('first')], { facts: { registry: { url } } });

  it('accepts placeholders that are form paths, nested ones included', () => {
    expect(
      validateDefinition(withFact('https://r.example/{applicant.idNumber}?c={creditCode}')).errors,
    ).toEqual([]);
  });

  it('reports each placeholder that is not a form property', () => {
    expect(errorsOf(withFact('https://r.example/{licenceNo}/{creditCode}/{}'))).toEqual([
      { path: '$.facts.registry.url', message: 'placeholder {licenceNo} is not a form property' },
      { path: '$.facts.registry.url', message: 'placeholder {} is not a form property' },
    ]);
  });

  it('reports a placeholder naming an object or a list, which has no single value to put in a URL', () => {
    expect(errorsOf(withFact('https://r.example/{applicant}/{photos}'))).toEqual([
      {
        path: '$.facts.registry.url',
        message: 'placeholder {applicant} is an object or a list; name a field holding one value',
      },
      {
        path: '$.facts.registry.url',
        message: 'placeholder {photos} is an object or a list; name a field holding one value',
      },
    ]);
  });

  it('rejects a URL that is not http or https or not a URL at all', () => {
    expect(errorsOf(withFact('ftp://r.example/x'))).toEqual([
      { path: '$.facts.registry.url', message: 'must be an http or https URL' },
    ]);
    expect(errorsOf(withFact('no url here'))).toEqual([
      { path: '$.facts.registry.url', message: 'is not a URL' },
    ]);
  });

  it('rejects a host taken from application data, however the URL spells its authority', () => {
    for (const url of [
      'https://{creditCode}.example/x',
      // Without slashes the URL parser still reads a host, and the allowed-host check saw `x.example.gov`.
      'https:{creditCode}.example.gov/x',
      'https:/{creditCode}.example.gov/x',
      'https://r.example.gov.{creditCode}/x',
    ]) {
      expect(errorsOf(withFact(url), { allowedFactHosts: ['*.example.gov'] })).toContainEqual({
        path: '$.facts.registry.url',
        message: 'the host may not contain a placeholder',
      });
    }
  });

  it('accepts a placeholder in the query of a URL with no path', () => {
    expect(validateDefinition(withFact('https://r.example?c={creditCode}')).errors).toEqual([]);
  });

  it('accepts any host when no allowed hosts are configured', () => {
    expect(validateDefinition(withFact('https://anywhere.example/x')).errors).toEqual([]);
  });

  it('accepts an allowed host, by name or with its port, ignoring case', () => {
    expect(
      validateDefinition(withFact('https://R.Example/x'), { allowedFactHosts: ['r.example'] }).errors,
    ).toEqual([]);
    expect(
      validateDefinition(withFact('https://r.example:8443/x'), { allowedFactHosts: ['r.example:8443'] })
        .errors,
    ).toEqual([]);
  });

  it('rejects a host outside the allowed list, and every host when the list is empty', () => {
    expect(errorsOf(withFact('https://evil.example/x'), { allowedFactHosts: ['r.example'] })).toEqual([
      { path: '$.facts.registry.url', message: "host 'evil.example' is not in the allowed fact hosts" },
    ]);
    expect(errorsOf(withFact('https://r.example/x'), { allowedFactHosts: [] })).toHaveLength(1);
  });

  it('warns of each fact whose host the deployment does not allow, and of none it allows', () => {
    const input = doc([step('first')], {
      facts: {
        registry: { url: 'https://R.Example:8443/{creditCode}' },
        tax: { url: 'https://tax.example/x' },
        court: { url: 'https://court.example/{creditCode}' },
      },
    });
    const definition = validateDefinition(input).definition!;
    expect(factHostWarnings(definition, ['r.example:8443', 'court.example'])).toEqual([
      {
        path: '$.facts.tax.url',
        message:
          "host 'tax.example' is not in FACTS_ALLOWED_HOSTS: every lookup of this fact will fail, so a rule that reads it never holds and its step is left to officers",
      },
    ]);
    expect(factHostWarnings(definition, [])).toHaveLength(3);
    expect(factHostWarnings(validateDefinition(doc([step('first')])).definition!, [])).toEqual([]);
  });

  it('rejects fact names a rule could not address as facts.<name>', () => {
    const input = doc([step('first')], { facts: { 'a.b': { url: 'https://r.example/x' } } });
    expect(errorsOf(input)).toEqual([
      { path: '$.facts["a.b"]', message: 'a fact name must be a plain word (letters, digits, _ or -)' },
    ]);
  });

  it('validates each fact entry', () => {
    const input = doc([step('first')], {
      facts: {
        good: { url: 'https://r.example/x' },
        bad: 'x',
        slow: { url: 'https://r.example', timeoutMs: 0 },
      },
    });
    expect(errorsOf(input)).toEqual([
      { path: '$.facts.bad', message: 'must be an object' },
      { path: '$.facts.slow.timeoutMs', message: 'must not be less than 1' },
    ]);
  });
});

describe('validateDefinition: every error at once', () => {
  it('lists shape and graph errors of one document together, each with its path', () => {
    const input = doc(
      [
        step('first', { onTimeout: 'never', produces: ['licenceNo'] }),
        step('second', { after: ['ghost'], needs: ['missingValue'], fields: ['nope'], signoff: 0 }),
        step('first', { timeLimit: { days: 3 } }),
      ],
      { description: 42 },
    );
    expect(errorsOf(input)).toEqual([
      { path: '$.description', message: 'must be a string' },
      {
        path: '$.steps[0].onTimeout',
        message: 'must be one of the following values: approve, reject, escalate',
      },
      { path: '$.steps[1].signoff', message: 'must not be less than 1' },
      {
        path: '$.steps[2].timeLimit',
        message: 'must have exactly one of workingDays, hours, minutes, seconds',
      },
      { path: '$.steps[2].timeLimit.days', message: 'is not a known property' },
      { path: '$.steps[2].id', message: 'duplicates the id of $.steps[0]' },
      { path: '$.steps[1].after[0]', message: "unknown step id 'ghost'" },
      {
        path: '$.steps[1].needs[0]',
        message: "'missingValue' is neither a form property nor produced by a step",
      },
      { path: '$.steps[1].fields[0]', message: "'nope' is not a form property" },
    ]);
  });

  it('skips graph checks when the parts they read are malformed, so errors do not cascade', () => {
    // produces is malformed: without the guard, the needs would also be reported as unknown
    const input = doc([step('first', { produces: 'licenceNo' }), step('second', { needs: ['licenceNo'] })]);
    expect(errorsOf(input)).toEqual([{ path: '$.steps[0].produces', message: 'must be an array' }]);
  });

  it('skips graph checks while the form schema is invalid', () => {
    const input = doc([step('first', { fields: ['seats'] })], { form: { properties: [] } });
    expect(errorsOf(input).map((e) => e.path)).toEqual(['$.form']);
  });

  it('still runs graph checks when only descriptive fields are wrong', () => {
    const input = doc([step('first', { name: 7, after: ['ghost'] })]);
    expect(errorsOf(input).map((e) => e.path)).toEqual(['$.steps[0].name', '$.steps[0].after[0]']);
  });
});
