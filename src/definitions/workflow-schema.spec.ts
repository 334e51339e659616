import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { newAjv } from './form-schema.util.js';
import { buildWorkflowSchema } from './workflow-schema.js';

const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../workflows/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

describe('workflows/workflow.schema.json', () => {
  const published = read('workflow.schema.json');

  it('is what the definition DTOs describe (regenerate with scripts/workflow-schema.ts)', async () => {
    expect(await buildWorkflowSchema()).toEqual(published);
  });

  it('accepts the shipped workflow and refuses what an editor should flag', () => {
    const validate = newAjv().compile(published);
    for (const file of [
      'open-restaurant.json',
      'construction-permit.json',
      'newborn.json',
      'business-start-up.json',
    ])
      expect(validate(read(file))).toBe(true);
    const restaurant = read('open-restaurant.json');
    expect(validate({ ...restaurant, steps: undefined })).toBe(false);
    expect(validate({ ...restaurant, colour: 'red' })).toBe(false);
    const [first] = restaurant.steps as Record<string, unknown>[];
    expect(validate({ ...restaurant, steps: [{ ...first, timeLimit: { hours: 2, minutes: 5 } }] })).toBe(
      false,
    );
    expect(validate({ ...restaurant, steps: [{ ...first, id: 'Not An Id' }] })).toBe(false);
    expect(validate({ ...restaurant, steps: [{ ...first, department: '   ' }] })).toBe(false);
    expect(validate({ ...restaurant, form: { type: 'string' } })).toBe(false);
    expect(validate({ ...restaurant, form: {} })).toBe(false);
  });
});
