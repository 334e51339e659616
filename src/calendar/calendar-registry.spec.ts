import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCalendars, SHIPPED_CALENDARS_DIR } from './calendar-registry.js';
import { dueTime, isWorkingDay } from './calendar.util.js';

function calendarJson(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name,
    timeZone: 'Europe/Paris',
    coversFrom: '2025-01-01',
    coversUntil: '2025-12-31',
    holidays: ['2025-07-14'],
    workingWeekends: [],
    ...extra,
  });
}

describe('loadCalendars', () => {
  let root: string;
  const dir = (name: string, files: Record<string, string>): string => {
    const path = join(root, name);
    mkdirSync(path);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
    return path;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'calendars-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('loads the shipped cn-mainland calendar, covering at least through 2026', () => {
    expect(SHIPPED_CALENDARS_DIR).toMatch(/[/\\]calendars$/);
    const calendars = loadCalendars([SHIPPED_CALENDARS_DIR]);
    const cn = calendars.get('cn-mainland');
    expect(cn).toBeDefined();
    expect(cn!.timeZone).toBe('Asia/Shanghai');
    expect(cn!.coversFrom <= '2025-01-01').toBe(true);
    expect(cn!.coversUntil >= '2026-12-31').toBe(true);
    expect(isWorkingDay(cn!, '2026-02-17')).toBe(false);
    expect(dueTime(new Date('2025-09-30T02:00:00Z'), { workingDays: 3 }, cn).dueAt.toISOString()).toBe(
      '2025-10-11T15:59:59.999Z',
    );
  });

  it("adds an operator's calendars and lets them override shipped ones", () => {
    const operator = dir('operator', {
      'fr-paris.json': calendarJson('fr-paris'),
      'cn-mainland.json': calendarJson('cn-mainland', { timeZone: 'Asia/Shanghai', holidays: [] }),
      'notes.txt': 'not a calendar',
    });
    const calendars = loadCalendars([SHIPPED_CALENDARS_DIR, operator]);
    expect([...calendars.keys()].sort()).toEqual(['cn-mainland', 'fr-paris']);
    expect(calendars.get('fr-paris')!.holidays.has('2025-07-14')).toBe(true);
    expect(calendars.get('cn-mainland')!.coversUntil).toBe('2025-12-31');
    expect(isWorkingDay(calendars.get('cn-mainland')!, '2025-10-01')).toBe(true);
  });

  it('names the file that holds bad data', () => {
    const bad = dir('bad', { 'broken.json': calendarJson('broken', { timeZone: 'Nowhere/Land' }) });
    expect(() => loadCalendars([SHIPPED_CALENDARS_DIR, bad])).toThrow(
      `calendar ${join(bad, 'broken.json')}: timeZone "Nowhere/Land" is not a known IANA time zone`,
    );
    const text = dir('text', { 'x.json': '{ "name": ' });
    expect(() => loadCalendars([text])).toThrow(`calendar ${join(text, 'x.json')}: not valid JSON`);
  });

  it('requires a file to be named after its calendar', () => {
    const mismatch = dir('mismatch', { 'paris.json': calendarJson('fr-paris') });
    expect(() => loadCalendars([mismatch])).toThrow(/paris\.json: name "fr-paris" must match the file name/);
  });

  it('refuses a missing directory', () => {
    expect(() => loadCalendars([join(root, 'absent')])).toThrow(/calendar directory .*absent/);
  });
});
