import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  addDays,
  daysOfDataLeft,
  dueTime,
  endOfLocalDay,
  instantInZone,
  isWorkingDay,
  localDateOf,
  MAX_WORKING_DAYS,
  parseCalendar,
  PLAIN_DAYS,
  remindAt,
  startOfLocalDay,
  zoneOffset,
  type BusinessCalendar,
} from './calendar.util.js';

const CN: BusinessCalendar = parseCalendar(
  readFileSync(new URL('../../calendars/cn-mainland.json', import.meta.url), 'utf8'),
  'cn-mainland.json',
);

/** End of a Shanghai local day as a UTC ISO string (Asia/Shanghai has been UTC+8 all year since 1991). */
const endCN = (date: string): string => new Date(`${date}T23:59:59.999+08:00`).toISOString();
const at = (iso: string): Date => new Date(iso);
/** The due time of `workingDays` from `openedAt` on `cal` (cn-mainland unless given; `null` = no calendar). */
const due = (openedAt: string, workingDays: number, cal: BusinessCalendar | null = CN) => {
  const r = dueTime(at(openedAt), { workingDays }, cal ?? undefined);
  return { dueAt: r.dueAt.toISOString(), beyondData: r.beyondData };
};

function doc(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'test',
    timeZone: 'Asia/Shanghai',
    weekend: [0, 6],
    coversFrom: '2025-01-01',
    coversUntil: '2025-12-31',
    holidays: ['2025-10-01'],
    workingWeekends: ['2025-09-28'],
    ...extra,
  };
}

describe('the shipped cn-mainland data', () => {
  it('knows National Day 2025 (1–8 October off, 28 September and 11 October worked)', () => {
    for (let d = '2025-10-01'; d <= '2025-10-08'; d = addDays(d, 1))
      expect([d, isWorkingDay(CN, d)]).toEqual([d, false]);
    expect(isWorkingDay(CN, '2025-09-28')).toBe(true); // Sunday, 调休
    expect(isWorkingDay(CN, '2025-10-11')).toBe(true); // Saturday, 调休
    expect(isWorkingDay(CN, '2025-10-09')).toBe(true);
    expect(isWorkingDay(CN, '2025-10-12')).toBe(false); // an ordinary Sunday
  });

  it('knows Spring Festival 2026 (15–23 February off, 14 and 28 February worked)', () => {
    for (let d = '2026-02-15'; d <= '2026-02-23'; d = addDays(d, 1))
      expect([d, isWorkingDay(CN, d)]).toEqual([d, false]);
    expect(isWorkingDay(CN, '2026-02-14')).toBe(true);
    expect(isWorkingDay(CN, '2026-02-28')).toBe(true);
    expect(isWorkingDay(CN, '2026-02-24')).toBe(true);
  });

  it('covers whole years through at least 2026', () => {
    expect(CN.timeZone).toBe('Asia/Shanghai');
    expect(CN.coversFrom).toMatch(/-01-01$/);
    expect(CN.coversUntil).toMatch(/-12-31$/);
    expect(CN.coversUntil >= '2026-12-31').toBe(true);
    expect(CN.source).toMatch(/^chinese-days \d+\.\d+\.\d+/);
  });
});

describe('dueTime with working days', () => {
  it('skips a holiday run and counts an adjusted working Saturday (opened 2025-09-30, 3 working days)', () => {
    // 1–8 October off; 9 (Thu), 10 (Fri) and 11 (Sat, 调休) October are the three working days.
    expect(due('2025-09-30T02:00:00Z', 3)).toEqual({ dueAt: endCN('2025-10-11'), beyondData: false });
    expect(due('2025-09-30T02:00:00Z', 1)).toEqual({ dueAt: endCN('2025-10-09'), beyondData: false });
    expect(due('2025-09-30T02:00:00Z', 4)).toEqual({ dueAt: endCN('2025-10-13'), beyondData: false });
  });

  it('counts an adjusted working Sunday right after an ordinary Saturday', () => {
    // Friday 26 September; Saturday 27 is off, Sunday 28 is a working day (调休).
    expect(due('2025-09-26T03:00:00Z', 1).dueAt).toBe(endCN('2025-09-28'));
    expect(due('2025-09-26T03:00:00Z', 2).dueAt).toBe(endCN('2025-09-29'));
  });

  it('never counts the opening day, even when it is a holiday or a weekend', () => {
    expect(due('2025-10-03T02:00:00Z', 1).dueAt).toBe(endCN('2025-10-09')); // opened during National Day
    expect(due('2025-10-03T02:00:00Z', 3).dueAt).toBe(endCN('2025-10-11'));
    expect(due('2025-10-11T02:00:00Z', 1).dueAt).toBe(endCN('2025-10-13')); // opened on the working Saturday
    expect(due('2025-10-12T02:00:00Z', 1).dueAt).toBe(endCN('2025-10-13')); // opened on a Sunday
  });

  it('takes the opening day in the calendar zone: 23:30 in Shanghai is still that day', () => {
    // 2025-09-25T15:30Z is Thursday 23:30 in Shanghai; the next working day is Friday 26.
    expect(due('2025-09-25T15:30:00Z', 1).dueAt).toBe(endCN('2025-09-26'));
    // An hour later it is Friday 00:30 in Shanghai; the next working day is Sunday 28 (调休).
    expect(due('2025-09-25T16:30:00Z', 1).dueAt).toBe(endCN('2025-09-28'));
    // The last millisecond of Thursday, and the first of Friday.
    expect(due('2025-09-25T15:59:59.999Z', 1).dueAt).toBe(endCN('2025-09-26'));
    expect(due('2025-09-25T16:00:00Z', 1).dueAt).toBe(endCN('2025-09-28'));
  });

  it('crosses a year boundary into the New Year holiday', () => {
    // 1–3 January 2026 off, Sunday 4 January worked (调休).
    expect(due('2025-12-31T01:00:00Z', 1).dueAt).toBe(endCN('2026-01-04'));
    expect(due('2025-12-31T01:00:00Z', 2).dueAt).toBe(endCN('2026-01-05'));
    // Spring Festival 2026: Friday 13 February, then Saturday 14 (worked), then nothing until Tuesday 24.
    expect(due('2026-02-13T01:00:00Z', 2).dueAt).toBe(endCN('2026-02-24'));
  });

  it('says when the count runs beyond the data, using the weekend rule there', () => {
    const last = CN.coversUntil;
    expect(due(`${addDays(last, -3)}T01:00:00Z`, 1).beyondData).toBe(false);
    const beyond = dueTime(new Date(`${last}T01:00:00Z`), { workingDays: 1 }, CN);
    expect(beyond.beyondData).toBe(true);
    expect(isWorkingDay(CN, localDateOf(beyond.dueAt.getTime(), CN.timeZone))).toBe(true);
    // 2026-12-30 (Wed): 31 Dec (Thu, covered), 1 Jan 2027 (Fri, unknown: counted as working), 4 Jan 2027 (Mon).
    if (last === '2026-12-31') {
      expect(due('2026-12-30T01:00:00Z', 1)).toEqual({ dueAt: endCN('2026-12-31'), beyondData: false });
      expect(due('2026-12-30T01:00:00Z', 3)).toEqual({ dueAt: endCN('2027-01-04'), beyondData: true });
    }
    // Before the data starts, too.
    expect(due('2003-12-29T01:00:00Z', 1).beyondData).toBe(true);
  });

  it('treats 0 working days as the end of the opening day', () => {
    expect(due('2025-10-03T02:00:00Z', 0).dueAt).toBe(endCN('2025-10-03'));
  });

  it('counts plain calendar days ending at 23:59:59.999 UTC without a calendar', () => {
    expect(due('2025-09-30T23:30:00Z', 1, null)).toEqual({
      dueAt: '2025-10-01T23:59:59.999Z',
      beyondData: false,
    });
    expect(due('2025-12-31T00:00:00Z', 3, null).dueAt).toBe('2026-01-03T23:59:59.999Z');
  });

  it('follows daylight saving time in other zones', () => {
    const ny = parseCalendar(
      doc({ name: 'us-test', timeZone: 'America/New_York', holidays: [], workingWeekends: [] }),
      'us-test.json',
    );
    // Friday 7 March 2025 (EST) → Monday 10 March, after the switch to EDT (UTC−4).
    expect(due('2025-03-07T15:00:00Z', 1, ny).dueAt).toBe('2025-03-11T03:59:59.999Z');
    // Friday 31 October 2025 (EDT) → Monday 3 November, after the switch back to EST (UTC−5).
    expect(due('2025-10-31T15:00:00Z', 1, ny).dueAt).toBe('2025-11-04T04:59:59.999Z');
    // 23:30 EDT on Thursday is Friday 03:30 UTC but still Thursday in New York.
    expect(due('2025-10-31T03:30:00Z', 1, ny).dueAt).toBe('2025-11-01T03:59:59.999Z');
  });
});

describe('dueTime with wall-clock units', () => {
  it('adds hours, minutes and seconds regardless of holidays', () => {
    const opened = at('2025-10-01T02:00:00Z'); // National Day
    expect(dueTime(opened, { hours: 4 }, CN)).toEqual({
      dueAt: at('2025-10-01T06:00:00Z'),
      beyondData: false,
    });
    expect(dueTime(opened, { hours: 48 }, CN).dueAt).toEqual(at('2025-10-03T02:00:00Z'));
    expect(dueTime(opened, { minutes: 90 }, CN).dueAt).toEqual(at('2025-10-01T03:30:00Z'));
    expect(dueTime(opened, { seconds: 5 }).dueAt).toEqual(at('2025-10-01T02:00:05Z'));
    expect(dueTime(at('2026-12-31T23:00:00Z'), { hours: 2 }, CN).beyondData).toBe(false);
  });

  it('refuses durations without exactly one valid unit', () => {
    const opened = at('2025-10-01T02:00:00Z');
    expect(() => dueTime(opened, {}, CN)).toThrow(/exactly one unit/);
    expect(() => dueTime(opened, { hours: 1, minutes: 30 }, CN)).toThrow(/exactly one unit/);
    expect(() => dueTime(opened, { workingDays: -1 }, CN)).toThrow(/non-negative integer/);
    expect(() => dueTime(opened, { hours: 1.5 }, CN)).toThrow(/non-negative integer/);
    expect(() => dueTime(opened, { workingDays: MAX_WORKING_DAYS + 1 }, CN)).toThrow(/at most/);
    expect(() => dueTime(new Date(Number.NaN), { hours: 1 }, CN)).toThrow(/invalid date/);
  });
});

describe('remindAt', () => {
  it('subtracts wall-clock units', () => {
    const dueAt = at('2025-10-11T15:59:59.999Z');
    expect(remindAt(dueAt, { hours: 2 }, CN)).toEqual({
      remindAt: at('2025-10-11T13:59:59.999Z'),
      beyondData: false,
    });
    expect(remindAt(dueAt, { minutes: 30 }).remindAt).toEqual(at('2025-10-11T15:29:59.999Z'));
  });

  it('goes back working days to the moment exactly N of them remain', () => {
    // Due Saturday 11 October 2025 (调休): one working day left from the end of Friday 10, two from Thursday 9,
    // three from the end of 30 September (the holiday run is skipped).
    const dueAt = at(endCN('2025-10-11'));
    expect(remindAt(dueAt, { workingDays: 1 }, CN).remindAt.toISOString()).toBe(endCN('2025-10-10'));
    expect(remindAt(dueAt, { workingDays: 2 }, CN).remindAt.toISOString()).toBe(endCN('2025-10-09'));
    expect(remindAt(dueAt, { workingDays: 3 }, CN).remindAt.toISOString()).toBe(endCN('2025-09-30'));
    // Due Monday 13 October: the day before it that is worked is Saturday 11.
    expect(remindAt(at(endCN('2025-10-13')), { workingDays: 1 }, CN).remindAt.toISOString()).toBe(
      endCN('2025-10-11'),
    );
    expect(remindAt(at('2025-10-01T23:59:59.999Z'), { workingDays: 1 }).remindAt.toISOString()).toBe(
      '2025-09-30T23:59:59.999Z',
    );
  });
});

describe('time zone helpers', () => {
  it('computes offsets from the zone rather than assuming them', () => {
    expect(zoneOffset(Date.parse('2025-06-01T00:00:00Z'), 'Asia/Shanghai')).toBe(8 * 3_600_000);
    expect(zoneOffset(Date.parse('2025-01-15T12:00:00Z'), 'Europe/London')).toBe(0);
    expect(zoneOffset(Date.parse('2025-07-15T12:00:00Z'), 'Europe/London')).toBe(3_600_000);
    expect(zoneOffset(Date.parse('2025-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('finds the start and end of days whose midnight is skipped or repeated', () => {
    // Santiago sprang forward at midnight on 8 September 2024 (00:00 → 01:00, UTC−4 → UTC−3).
    expect(new Date(startOfLocalDay('2024-09-08', 'America/Santiago')).toISOString()).toBe(
      '2024-09-08T04:00:00.000Z',
    );
    expect(new Date(endOfLocalDay('2024-09-07', 'America/Santiago')).toISOString()).toBe(
      '2024-09-08T03:59:59.999Z',
    );
    // Santiago fell back at midnight on 6 April 2025 (00:00 → 23:00 on the 5th): the 5th ends at the later 23:59.
    expect(new Date(endOfLocalDay('2025-04-05', 'America/Santiago')).toISOString()).toBe(
      '2025-04-06T03:59:59.999Z',
    );
    expect(new Date(startOfLocalDay('2025-04-06', 'America/Santiago')).toISOString()).toBe(
      '2025-04-06T04:00:00.000Z',
    );
  });
});

describe('instantInZone', () => {
  it('writes an instant in the wall-clock time of a zone, with its offset, as the contract shows due times', () => {
    const t = new Date('2026-12-04T15:59:59.999Z');
    expect(instantInZone(t, 'Asia/Shanghai')).toBe('2026-12-04T23:59:59.999+08:00');
    expect(instantInZone(new Date('2025-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(
      '2025-07-15T17:30:00.000+05:30',
    );
    expect(instantInZone(new Date('2025-01-15T12:00:00Z'), 'America/New_York')).toBe(
      '2025-01-15T07:00:00.000-05:00',
    );
    // Across a change of offset, each instant gets its own: London's clocks went forward at 01:00 UTC on 30 March 2025.
    expect(instantInZone(new Date('2025-03-30T00:59:59.999Z'), 'Europe/London')).toBe(
      '2025-03-30T00:59:59.999Z',
    );
    expect(instantInZone(new Date('2025-03-30T01:00:00.000Z'), 'Europe/London')).toBe(
      '2025-03-30T02:00:00.000+01:00',
    );
  });

  it('falls back to UTC without a zone, and where an offset or a year has no RFC 3339 form', () => {
    const t = new Date('2026-12-04T15:59:59.999Z');
    expect(instantInZone(t, null)).toBe(t.toISOString());
    // Shanghai kept local mean time, +08:05:43, until 1901.
    const lmt = new Date('1890-01-01T00:00:00Z');
    expect(instantInZone(lmt, 'Asia/Shanghai')).toBe(lmt.toISOString());
    const far = new Date('9999-12-31T20:00:00Z');
    expect(instantInZone(far, 'Asia/Shanghai')).toBe(far.toISOString());
  });

  it("names the same instant, with the zone's own offset at that instant, whatever the zone", () => {
    const written = (text: string) => {
      const suffix = /([+-])(\d\d):(\d\d)$/.exec(text);
      if (suffix === null) return 0;
      return (suffix[1] === '-' ? -1 : 1) * (Number(suffix[2]) * 60 + Number(suffix[3])) * 60_000;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1972-06-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
        fc.constantFrom('Asia/Shanghai', 'Europe/London', 'America/Santiago', 'Asia/Kathmandu', 'UTC'),
        (ms, zone) => {
          const text = instantInZone(new Date(ms), zone);
          return Date.parse(text) === ms && written(text) === zoneOffset(ms, zone);
        },
      ),
    );
  });

  it('gives each zone its own offset within one minute, as its remembered offsets are kept by zone', () => {
    const t = Date.parse('2026-07-01T12:00:00.000Z');
    expect(instantInZone(new Date(t), 'Asia/Shanghai')).toBe('2026-07-01T20:00:00.000+08:00');
    expect(instantInZone(new Date(t + 1000), 'America/New_York')).toBe('2026-07-01T08:00:01.000-04:00');
    expect(instantInZone(new Date(t + 2000), 'Asia/Shanghai')).toBe('2026-07-01T20:00:02.000+08:00');
  });
});

describe('property: every due time ends a working day', () => {
  const from = Date.parse(`${CN.coversFrom}T00:00:00+08:00`);
  const until = Date.parse(`${CN.coversUntil}T23:59:59.999+08:00`);
  /** Shanghai local date of an instant, computed independently of the code under test (fixed UTC+8). */
  const shanghaiDate = (t: number): string => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

  it('falls at 23:59:59.999 local on a working day, after the opening, with exactly N working days counted', () => {
    fc.assert(
      fc.property(fc.integer({ min: from, max: until }), fc.integer({ min: 1, max: 30 }), (t, n) => {
        const { dueAt, beyondData } = dueTime(new Date(t), { workingDays: n }, CN);
        const dueMs = dueAt.getTime();
        const local = new Date(dueMs + 8 * 3_600_000).toISOString();
        const openDay = shanghaiDate(t);
        const dueDay = local.slice(0, 10);
        expect(local.slice(10)).toBe('T23:59:59.999Z');
        expect(dueMs).toBeGreaterThan(t);
        expect(isWorkingDay(CN, dueDay)).toBe(true);
        let working = 0;
        for (let d = addDays(openDay, 1); d <= dueDay; d = addDays(d, 1)) if (isWorkingDay(CN, d)) working++;
        expect(working).toBe(n);
        expect(beyondData).toBe(dueDay > CN.coversUntil);
        // The reminder N working days ahead of a due time is where the count started from.
        const back = remindAt(dueAt, { workingDays: n }, CN).remindAt.getTime();
        expect(back).toBeLessThan(dueMs);
        expect(dueTime(new Date(back), { workingDays: n }, CN).dueAt).toEqual(dueAt);
        expect(shanghaiDate(back) <= openDay).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: long counts skip whole weeks and land where a day-by-day count does', () => {
  /** The rule of the file header, one day at a time: what dueTime and remindAt computed before they skipped weeks. */
  const walk = (cal: BusinessCalendar, start: string, n: number, direction: 1 | -1) => {
    let day = start;
    let beyondData = false;
    for (let counted = 0; counted < n;) {
      day = addDays(day, direction);
      if (day < cal.coversFrom || day > cal.coversUntil) beyondData = true;
      if (isWorkingDay(cal, day)) counted++;
    }
    return { day, beyondData };
  };
  const friday = parseCalendar(
    {
      name: 'friday-off',
      timeZone: 'UTC',
      weekend: [5],
      coversFrom: '2030-01-01',
      coversUntil: '2030-12-31',
      holidays: ['2030-01-01', '2030-01-02', '2030-06-10', '2030-12-31'],
      workingWeekends: ['2030-03-01'],
    },
    'friday-off',
  );
  const calendars = { CN, plain: PLAIN_DAYS, friday };
  const noon = (date: string) => new Date(`${date}T12:00:00Z`);

  it('gives the same due day, reminder day and beyondData for any start and count up to MAX_WORKING_DAYS', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(calendars) as (keyof typeof calendars)[])),
        // From years before the data to years after it, so counts start before, inside and past every range.
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: MAX_WORKING_DAYS })),
        (name, t, n) => {
          const cal = calendars[name];
          const start = localDateOf(t, cal.timeZone);
          const open = noon(start); // noon: the local date is `start` in UTC and Shanghai alike
          const forward = walk(cal, start, n, 1);
          const due = dueTime(open, { workingDays: n }, cal);
          expect(localDateOf(due.dueAt.getTime(), cal.timeZone)).toBe(forward.day);
          expect(due.beyondData).toBe(forward.beyondData);
          const backward = walk(cal, start, n, -1);
          const reminded = remindAt(open, { workingDays: n }, cal);
          expect(localDateOf(reminded.remindAt.getTime(), cal.timeZone)).toBe(backward.day);
          expect(reminded.beyondData).toBe(backward.beyondData);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('daysOfDataLeft', () => {
  const cal = parseCalendar(doc(), 'test.json');

  it("counts whole days from today, in the calendar's zone, to its last covered day", () => {
    expect(daysOfDataLeft(cal, Date.parse('2025-12-01T12:00:00+08:00'))).toBe(30);
    expect(daysOfDataLeft(cal, Date.parse('2025-12-31T23:59:59+08:00'))).toBe(0);
    // 20:00 UTC on the 30th is already the 31st in Shanghai.
    expect(daysOfDataLeft(cal, Date.parse('2025-12-30T20:00:00Z'))).toBe(0);
    expect(daysOfDataLeft(cal, Date.parse('2026-01-10T09:00:00+08:00'))).toBe(-10);
  });

  it('is not thrown off by daylight saving in the zone', () => {
    const ny = parseCalendar(
      doc({ timeZone: 'America/New_York', holidays: [], workingWeekends: [] }),
      'ny.json',
    );
    // New York clocks go forward on 9 March 2025 and back on 2 November.
    expect(daysOfDataLeft(ny, Date.parse('2025-03-08T12:00:00-05:00'))).toBe(298);
    expect(daysOfDataLeft(ny, Date.parse('2025-11-01T23:30:00-04:00'))).toBe(60);
  });
});

describe('parseCalendar', () => {
  it('accepts a document or its JSON text and defaults the weekend', () => {
    const { weekend: _weekend, ...rest } = doc();
    const cal = parseCalendar(JSON.stringify(rest), 'test.json');
    expect([...cal.weekend].sort()).toEqual([0, 6]);
    expect(cal.holidays.has('2025-10-01')).toBe(true);
    expect(isWorkingDay(cal, '2025-09-28')).toBe(true);
    expect(parseCalendar(doc({ weekend: [5], workingWeekends: [] }), 'x').weekend).toEqual(new Set([5]));
  });

  it.each([
    ['not JSON', '{', /test\.json: not valid JSON/],
    ['not an object', [], /test\.json: document must be an object/],
    ['an unknown field', doc({ holiday: [] }), /test\.json: holiday is not a known field/],
    ['a missing name', doc({ name: undefined }), /test\.json: name must be a non-empty string/],
    ['a bad name', doc({ name: 'CN Mainland' }), /name must be lower-case/],
    ['an unknown time zone', doc({ timeZone: 'Mars/Olympus' }), /timeZone "Mars\/Olympus" is not a known/],
    ['a weekend day out of range', doc({ weekend: [0, 7] }), /weekend\[1\] must be an integer 0\.\.6/],
    ['a weekend day twice', doc({ weekend: [0, 0] }), /weekend lists a day twice/],
    ['a week without working days', doc({ weekend: [0, 1, 2, 3, 4, 5, 6] }), /weekend leaves no working day/],
    ['an impossible date', doc({ holidays: ['2025-02-30'] }), /holidays\[0\] must be a date YYYY-MM-DD/],
    ['a date in another format', doc({ holidays: ['2025/10/01'] }), /holidays\[0\] must be a date/],
    ['holidays not an array', doc({ holidays: '2025-10-01' }), /holidays must be an array/],
    ['a missing coversUntil', doc({ coversUntil: undefined }), /coversUntil must be a date/],
    [
      'a reversed range',
      doc({ coversFrom: '2026-01-01' }),
      /coversUntil \(2025-12-31\) is before coversFrom/,
    ],
    [
      'a holiday outside the range',
      doc({ holidays: ['2026-01-01'] }),
      /holidays\[0\] \(2026-01-01\) is outside/,
    ],
    [
      'a holiday twice',
      doc({ holidays: ['2025-10-01', '2025-10-01'] }),
      /holidays\[1\] lists 2025-10-01 twice/,
    ],
    [
      'a working weekend on a weekday',
      doc({ workingWeekends: ['2025-09-29'] }),
      /2025-09-29, which is not a weekend/,
    ],
    [
      'a day both off and worked',
      doc({ holidays: ['2025-09-28'], workingWeekends: ['2025-09-28'] }),
      /lists 2025-09-28, which holidays also lists/,
    ],
  ])('refuses %s, naming the file and field', (_what, input, message) => {
    expect(() => parseCalendar(input, 'test.json')).toThrow(message);
  });
});
