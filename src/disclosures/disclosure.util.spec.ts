import { describe, expect, it } from '@jest/globals';
import { disclosedFields, hourStart, quotaOf, secondsToNextHour } from './disclosure.util.js';

describe('disclosedFields', () => {
  it('names every leaf of the granted data by its dotted path', () => {
    expect(
      disclosedFields({
        seats: 12,
        company: { code: 'C1', address: { city: 'X' } },
        tags: ['a'],
        none: null,
      }),
    ).toEqual(['seats', 'company.code', 'company.address.city', 'tags', 'none']);
  });

  it('names nothing for data that shows nothing', () => {
    expect(disclosedFields({})).toEqual([]);
    expect(disclosedFields({ company: {} })).toEqual([]);
  });
});

describe('quotaOf', () => {
  const quotas = { departments: new Map([['fire-safety', 5]]), others: 100 };

  it("takes the department's own quota, else the one for every other department", () => {
    expect(quotaOf(quotas, 'fire-safety')).toBe(5);
    expect(quotaOf(quotas, 'venues')).toBe(100);
    expect(quotaOf({ departments: new Map(), others: undefined }, 'venues')).toBeUndefined();
  });
});

describe('the fixed-hour quota window', () => {
  it('starts at the clock hour and ends at the next, never less than a second away', () => {
    expect(hourStart(new Date('2026-01-01T10:59:00.000Z')).toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(secondsToNextHour(new Date('2026-01-01T10:59:00.000Z'))).toBe(60);
    expect(secondsToNextHour(new Date('2026-01-01T10:00:00.000Z'))).toBe(3600);
    expect(secondsToNextHour(new Date('2026-01-01T10:59:59.900Z'))).toBe(1);
  });
});
