/**
 * A person as a form property: two personal (`x-pii`) values and one that is not. Shared by the unit spec of
 * `pii-fields.util` and the e2e tests of personal data, so both exercise the same shape.
 */
export const PERSON_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', 'x-pii': true },
    idNumber: { type: 'string', 'x-pii': true },
    age: { type: 'integer' },
  },
};
