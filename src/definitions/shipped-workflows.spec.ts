import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { analyze } from './definition-graph.util.js';
import { newAjv } from './form-schema.util.js';
import { validateDefinition } from './validate-definition.util.js';

const folder = new URL('../../workflows/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, folder), 'utf8'));
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json')
  .sort();

/**
 * Committed time of each shipped workflow, added up by hand from its steps (working days):
 * - construction permit: serial 2+20+10+5+15+15+10+15+7+10+7 = 116; the land and planning chain (filing 2, land
 *   pre-examination 20, land-use planning permit 10, land title 5, engineering planning permit 15) then the
 *   construction permit 7 = 59; the fire design and drawing reviews (15 each) finish well before.
 * - newborn: serial 2+1+3+5+10+10+10 = 41; birth certificate 2, household registration 3, medical insurance 5,
 *   social security card 10 = 20 (childcare subsidy ends at 15, maternity allowance at 12).
 * - business start-up: serial 1+3+1+1+2+2+1+1+1 = 13; name 1, registration 3, then tax 1 and invoices 2 = 7
 *   (the bank account 2 and provident fund 1 tie at 7; the earlier-listed chain is reported).
 * - open restaurant: serial 60; licence 3, food-business licence 10, alcohol filing 5 = 18.
 */
const EXPECTED: Record<string, { serial: number; parallel: number; criticalPath: string[] }> = {
  'construction-permit.json': {
    serial: 116,
    parallel: 59,
    criticalPath: [
      'project-filing',
      'land-preexamination',
      'land-planning-permit',
      'land-title',
      'engineering-planning-permit',
      'construction-permit',
    ],
  },
  'newborn.json': {
    serial: 41,
    parallel: 20,
    criticalPath: [
      'birth-certificate',
      'household-registration',
      'medical-insurance',
      'social-security-card',
    ],
  },
  'business-start-up.json': {
    serial: 13,
    parallel: 7,
    criticalPath: ['name-declaration', 'business-registration', 'tax-registration', 'invoice-issue'],
  },
  'open-restaurant.json': {
    serial: 60,
    parallel: 18,
    criticalPath: ['business-licence', 'food-business-licence', 'alcohol-retail-filing'],
  },
};

describe('the shipped workflows', () => {
  const schema = newAjv().compile(read('workflow.schema.json') as Record<string, unknown>);

  it('include the construction permit, newborn and business start-up bundles beside the restaurant', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(files)('%s', (file) => {
    const document = read(file);
    // As the service checks them on a default start: no fact host is allowed.
    const { definition, errors } = validateDefinition(document, { allowedFactHosts: [] });

    it('is valid against the published workflows/workflow.schema.json', () => {
      expect(schema(document)).toBe(true);
      expect(schema.errors ?? null).toBeNull();
    });

    it('is a valid definition named after its file, all limits in working days on cn-mainland', () => {
      expect(errors).toEqual([]);
      expect(`${definition!.key}.json`).toBe(file);
      expect(definition!.calendar).toBe('cn-mainland');
      expect(definition!.steps.every((s) => Number.isInteger(s.timeLimit.workingDays))).toBe(true);
    });

    it('keeps the committed time worked out by hand, shorter in parallel than in series', () => {
      const a = analyze(definition!);
      expect(a.unit).toBe('workingDays');
      expect({ serial: a.serial, parallel: a.parallel, criticalPath: a.criticalPath }).toEqual(
        EXPECTED[file],
      );
      expect(a.redundant).toEqual([]);
      expect(a.handoffs.some((h) => !h.kept)).toBe(true);
    });

    it('lets each department see only declared form fields and read only what exists', () => {
      // validateDefinition already refuses unknown fields and needs; here every step also names its fields.
      expect(definition!.steps.every((s) => (s.fields ?? []).length > 0)).toBe(true);
    });
  });
});
