import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseInstant } from './instant.util.js';

describe('parseInstant', () => {
  it.each([
    ['2026-01-01', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T08:00Z', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01T08:00:00+08:00', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T08:00:00.123456789-05:30', '2026-01-01T13:30:00.123Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['2026-01-01T08:00:00+0800', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01t08:00:00z', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01 08:00:00Z', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01 08:00-0130', '2026-01-01T09:30:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['a compact date', '20260101'],
    ['a week date', '2026-W01'],
    ['a week date with its day', '2026-W01-1'],
    ['an ordinal date', '2026-001'],
    ['a year alone', '2026'],
    ['a month alone', '2026-01'],
    ['a compact time', '2026-01-01T0800Z'],
    ['an hour alone', '2026-01-01T08Z'],
    ['a decimal comma', '2026-01-01T08:00:00,5Z'],
    ['a date-time without an offset', '2026-01-01T08:00:00'],
    ['two spaces for the T', '2026-01-01  08:00:00Z'],
    ['an offset with minutes alone', '2026-01-01T08:00:00+800'],
    ['a day past the end of the month', '2026-02-29'],
    ['31 April', '2026-04-31'],
    ['month 13', '2026-13-01'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['an offset of 24 hours', '2026-01-01T08:00:00+24:00'],
    ['year 0', '0000-06-01'],
    ['year 0 reached through an offset', '0001-01-01T00:00:00+01:00'],
    ['year 10000 reached through an offset', '9999-12-31T23:00:00-02:00'],
    ['an expanded year', '+002026-01-01'],
    ['a word', 'yesterday'],
    ['a number', '12345'],
    ['nothing', ''],
  ])('refuses %s (%s)', (_what, text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it('reads back every instant toISOString writes in years 1 to 9999', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') }),
        (d) => {
          fc.pre(!Number.isNaN(d.getTime()));
          expect(parseInstant(d.toISOString())?.getTime()).toBe(d.getTime());
        },
      ),
    );
  });

  it('answers a usable date or null for any text, never an invalid Date', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const instant = parseInstant(text);
        if (instant !== null) expect(Number.isNaN(instant.getTime())).toBe(false);
      }),
    );
  });
});
