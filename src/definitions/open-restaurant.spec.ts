import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { analyze } from './definition-graph.util.js';
import { validateDefinition } from './validate-definition.util.js';

const file = new URL('../../workflows/open-restaurant.json', import.meta.url);
const document: unknown = JSON.parse(readFileSync(file, 'utf8'));

describe('workflows/open-restaurant.json', () => {
  // As the service checks it on a default start: no fact host is allowed.
  const { definition, errors } = validateDefinition(document, { allowedFactHosts: [] });

  it('is a valid definition', () => {
    expect(errors).toEqual([]);
    expect(definition?.key).toBe('open-restaurant');
  });

  it('runs in parallel: the critical path is shorter than the serial sum', () => {
    const analysis = analyze(definition!);
    expect(analysis.unit).toBe('workingDays');
    expect(analysis.compression).toBeGreaterThan(0);
    expect(analysis.parallel).toBeLessThan(analysis.serial);
  });

  it('makes the food-business licence wait for the business licence it needs the number of', () => {
    expect(analyze(definition!).dependencies['food-business-licence']).toEqual(['business-licence']);
  });

  it('has the chain business licence, food-business licence, alcohol filing as its critical path', () => {
    expect(analyze(definition!)).toMatchObject({
      serial: 60,
      parallel: 18,
      compression: 0.7,
      criticalPath: ['business-licence', 'food-business-licence', 'alcohol-retail-filing'],
    });
  });
});
