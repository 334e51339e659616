import { describe, expect, it } from '@jest/globals';
import {
  eraseData,
  maskData,
  misplacedPii,
  openData,
  PII_MASK,
  piiFieldPaths,
  readsPii,
  sealData,
} from './pii-fields.util.js';
import { PERSON_SCHEMA } from '../../test/support/pii-fixtures.js';

const form = {
  type: 'object',
  properties: {
    applicant: PERSON_SCHEMA,
    address: { type: 'object', 'x-pii': true, properties: { city: { type: 'string' } } },
    seats: { type: 'integer' },
  },
};

const data = { applicant: { name: 'Ann', idNumber: '110101199003074514', age: 30 }, seats: 12 };

describe('personal fields of a form', () => {
  it('lists the marked properties, a marked object as a whole', () => {
    expect(piiFieldPaths(form)).toEqual(['applicant.name', 'applicant.idNumber', 'address']);
    expect(piiFieldPaths({ type: 'object' })).toEqual([]);
  });

  it('refuses marks it could not honour: not true, inside items or combinators, below a marked object', () => {
    expect(misplacedPii(form)).toEqual([]);
    expect(
      misplacedPii({
        type: 'object',
        properties: {
          a: { type: 'string', 'x-pii': 'yes' },
          list: { type: 'array', items: { type: 'string', 'x-pii': true } },
          either: { anyOf: [{ type: 'string', 'x-pii': true }] },
          whole: { type: 'object', 'x-pii': true, properties: { inner: { type: 'string', 'x-pii': true } } },
        },
      }),
    ).toEqual([
      '$.form.properties.a.x-pii',
      '$.form.properties.list.items.x-pii',
      '$.form.properties.either.anyOf[0].x-pii',
      '$.form.properties.whole.properties.inner.x-pii',
    ]);
  });

  it('seals, opens, masks and erases only the personal values, never changing its input', () => {
    const paths = piiFieldPaths(form);
    const sealed = sealData(data, paths, (value, path) => `S(${path}=${JSON.stringify(value)})`);
    expect(sealed).toEqual({
      applicant: {
        name: { $pii: 'S(applicant.name="Ann")' },
        idNumber: { $pii: 'S(applicant.idNumber="110101199003074514")' },
        age: 30,
      },
      seats: 12,
    });
    expect(data.applicant.name).toBe('Ann');
    const opened = openData(sealed, paths, (s) => JSON.parse(s.slice(s.indexOf('=') + 1, -1)));
    expect(opened).toEqual(data);
    expect(maskData(sealed, paths)).toEqual({
      applicant: { name: PII_MASK, idNumber: PII_MASK, age: 30 },
      seats: 12,
    });
    const erased = eraseData(sealed, paths);
    expect(erased.applicant).toEqual({ name: { $pii: null }, idNumber: { $pii: null }, age: 30 });
    expect(openData(erased, paths, () => 'never')).toEqual(maskData(data, paths));
    // Stored before the field was marked: read as it is.
    expect(openData(data, paths, () => 'never')).toEqual(data);
  });

  it('copies only the objects on the way to a present value, and each of them once', () => {
    const other = { x: 1 };
    const input = { a: { b: 1, c: 2, d: { e: 3 } }, other, missing: { y: 1 } };
    const masked = maskData(input, ['a.b', 'a.c', 'a.d.e', 'missing.z', 'none.z']);
    expect(masked).toEqual({ a: { b: PII_MASK, c: PII_MASK, d: { e: PII_MASK } }, other, missing: { y: 1 } });
    expect(masked.other).toBe(other);
    expect(masked.missing).toBe(input.missing);
    expect(input.a).toEqual({ b: 1, c: 2, d: { e: 3 } });
    // No value at any path: the input itself.
    expect(maskData(input, ['missing.z', 'none'])).toBe(input);
    // A key named like the prototype stays a plain property.
    const proto = JSON.parse('{"__proto__": {"p": 1}}') as Record<string, unknown>;
    const masked2 = maskData(proto, ['__proto__.p']);
    expect(Object.getPrototypeOf(masked2)).toBe(Object.prototype);
    expect(JSON.stringify(masked2)).toBe(JSON.stringify({ ['__proto__']: { p: PII_MASK } }));
  });

  it('tells which rule variables read personal data', () => {
    const paths = piiFieldPaths(form);
    expect(readsPii('applicant.idNumber', paths)).toBe(true);
    expect(readsPii('applicant', paths)).toBe(true);
    expect(readsPii('address.city', paths)).toBe(true);
    expect(readsPii('applicant.age', paths)).toBe(false);
    expect(readsPii('seats', paths)).toBe(false);
  });
});
