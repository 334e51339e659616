import type { Duration } from '../definitions/definition.types.js';

/**
 * Business calendars and due-time arithmetic (pure: no I/O, no framework).
 *
 * A calendar file (`calendars/*.json`, see calendars/README.md) lists public holidays and the weekend days that are
 * working days (adjusted working days, 调休), with the calendar's IANA time zone and the range of dates its data
 * covers. Dates are local calendar dates `YYYY-MM-DD` in that time zone.
 *
 * Rules:
 * - A day is a working day unless it is a holiday or a weekend day; a listed working weekend day is a working day.
 * - `workingDays: N` ends at the end (23:59:59.999 local time) of the N-th working day AFTER the local day the step
 *   opens. The opening day is never counted, as in administrative law, whether it is a working day or not and
 *   however late the step opens.
 * - `hours`, `minutes`, `seconds` are wall-clock time added to the opening instant; no calendar is involved.
 * - Outside the data's range [coversFrom, coversUntil] nothing is known about holidays: such days are judged by the
 *   weekend rule only, and the result carries `beyondData: true` so callers can say so rather than stay silent.
 * - Without a calendar (a workflow that names none), a working day is a plain calendar day in UTC: `workingDays: N`
 *   ends at 23:59:59.999Z of the N-th day after the UTC date the step opens.
 */

/** A calendar file as stored on disk. */
export interface CalendarDocument {
  /** Identifier a workflow's `calendar` names: lower-case letters, digits and dashes. */
  name: string;
  description?: string;
  /** IANA time zone in which the dates below are local dates, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** Weekend days of the week, 0 = Sunday … 6 = Saturday. Saturday and Sunday when absent. */
  weekend?: number[];
  /** First and last local date the holiday data covers (inclusive). */
  coversFrom: string;
  coversUntil: string;
  /** Public holidays (days off, whatever day of the week). */
  holidays: string[];
  /** Weekend days that are working days (调休). */
  workingWeekends: string[];
  /** Where the data comes from, e.g. `chinese-days 1.5.7`. */
  source?: string;
}

/** A validated calendar, ready for lookups. */
export interface BusinessCalendar {
  readonly name: string;
  readonly description?: string;
  readonly timeZone: string;
  readonly weekend: ReadonlySet<number>;
  readonly coversFrom: string;
  readonly coversUntil: string;
  readonly holidays: ReadonlySet<string>;
  readonly workingWeekends: ReadonlySet<string>;
  readonly source?: string;
}

export interface DueTime {
  dueAt: Date;
  /** True when the count looked at a date outside the calendar's data (judged by the weekend rule only). */
  beyondData: boolean;
}

export interface RemindTime {
  remindAt: Date;
  /** True when the count looked at a date outside the calendar's data (judged by the weekend rule only). */
  beyondData: boolean;
}

/** Largest `workingDays` count accepted (about 40 years), so a bad request cannot spin a loop for ever. */
export const MAX_WORKING_DAYS = 10_000;

const CALENDAR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DOCUMENT_FIELDS = new Set([
  '$schema',
  'name',
  'description',
  'timeZone',
  'weekend',
  'coversFrom',
  'coversUntil',
  'holidays',
  'workingWeekends',
  'source',
]);
const DAY_MS = 86_400_000;

/**
 * Validates a calendar document (the parsed JSON, or its text) and returns the calendar. Throws an Error naming
 * `source` (a file name) and the offending field on any bad data.
 */
export function parseCalendar(json: unknown, source: string): BusinessCalendar {
  const fail = (field: string, message: string): never => {
    throw new Error(`calendar ${source}: ${field} ${message}`);
  };
  let doc = json;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch (error) {
      throw new Error(`calendar ${source}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return fail('document', 'must be an object');
  const record = doc as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!DOCUMENT_FIELDS.has(key)) fail(key, 'is not a known field');
  }

  const string = (field: string, optional = false): string | undefined => {
    const value = record[field];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value === '') return fail(field, 'must be a non-empty string');
    return value;
  };
  const date = (field: string, value: unknown): string => {
    if (typeof value !== 'string' || !isLocalDate(value)) {
      return fail(field, `must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
    return value;
  };

  const name = string('name')!;
  if (!CALENDAR_NAME.test(name)) fail('name', `must be lower-case letters, digits and dashes, got "${name}"`);
  const description = string('description', true);
  const timeZone = string('timeZone')!;
  if (!isTimeZone(timeZone)) fail('timeZone', `"${timeZone}" is not a known IANA time zone`);
  const dataSource = string('source', true);

  let weekend: number[] = [0, 6];
  if (record.weekend !== undefined) {
    if (!Array.isArray(record.weekend))
      fail('weekend', 'must be an array of days of the week (0 = Sunday … 6)');
    weekend = (record.weekend as unknown[]).map((d, i) =>
      typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 6
        ? d
        : fail(`weekend[${i}]`, `must be an integer 0..6 (0 = Sunday), got ${JSON.stringify(d)}`),
    );
    if (new Set(weekend).size !== weekend.length) fail('weekend', 'lists a day twice');
    if (weekend.length === 7) fail('weekend', 'leaves no working day in the week');
  }

  const coversFrom = date('coversFrom', record.coversFrom);
  const coversUntil = date('coversUntil', record.coversUntil);
  if (coversFrom > coversUntil) fail('coversUntil', `(${coversUntil}) is before coversFrom (${coversFrom})`);

  const dates = (field: string): Set<string> => {
    const value = record[field];
    if (!Array.isArray(value)) return fail(field, 'must be an array of dates YYYY-MM-DD');
    const set = new Set<string>();
    (value as unknown[]).forEach((v, i) => {
      const d = date(`${field}[${i}]`, v);
      if (set.has(d)) fail(`${field}[${i}]`, `lists ${d} twice`);
      if (d < coversFrom || d > coversUntil) {
        fail(`${field}[${i}]`, `(${d}) is outside coversFrom..coversUntil (${coversFrom}..${coversUntil})`);
      }
      set.add(d);
    });
    return set;
  };
  const holidays = dates('holidays');
  const workingWeekends = dates('workingWeekends');
  const weekendSet = new Set(weekend);
  for (const d of workingWeekends) {
    if (holidays.has(d)) fail('workingWeekends', `lists ${d}, which holidays also lists`);
    if (!weekendSet.has(dayOfWeek(d))) fail('workingWeekends', `lists ${d}, which is not a weekend day`);
  }

  return {
    name,
    ...(description === undefined ? {} : { description }),
    timeZone,
    weekend: weekendSet,
    coversFrom,
    coversUntil,
    holidays,
    workingWeekends,
    ...(dataSource === undefined ? {} : { source: dataSource }),
  };
}

/** Whether `localDate` (YYYY-MM-DD in the calendar's zone) is a working day. Beyond the data: weekend rule only. */
export function isWorkingDay(cal: BusinessCalendar, localDate: string): boolean {
  if (cal.workingWeekends.has(localDate)) return true;
  if (cal.holidays.has(localDate)) return false;
  return !cal.weekend.has(dayOfWeek(localDate));
}

/** Whether the calendar's data covers `localDate`. */
export function isCovered(cal: BusinessCalendar, localDate: string): boolean {
  return localDate >= cal.coversFrom && localDate <= cal.coversUntil;
}

/**
 * The due time of a step opened at `openedAt` with time limit `limit` (exactly one unit); see the rules at the top
 * of this file. Without `calendar`, working days are plain calendar days ending at 23:59:59.999 UTC.
 */
export function dueTime(openedAt: Date, limit: Duration, calendar?: BusinessCalendar): DueTime {
  const { unit, amount } = singleUnit(limit);
  if (unit !== 'workingDays')
    return { dueAt: new Date(checkedTime(openedAt) + amount * UNIT_MS[unit]), beyondData: false };
  const cal = calendar ?? PLAIN_DAYS;
  const { day, beyondData } = countWorkingDays(
    cal,
    localDateOf(checkedTime(openedAt), cal.timeZone),
    amount,
    1,
  );
  return { dueAt: new Date(endOfLocalDay(day, cal.timeZone)), beyondData };
}

/**
 * When to remind about a step due at `dueAt`, `remindBefore` (exactly one unit) ahead of it:
 * - hours, minutes, seconds: that much wall-clock time before `dueAt`;
 * - `workingDays: N`: the end (23:59:59.999 local) of the N-th working day before the local day of `dueAt`, i.e.
 *   the moment from which exactly N working days remain. It inverts {@link dueTime}: a step due at the end of a
 *   working day D is reminded at the end of day R with exactly N working days in (R, D], so
 *   `dueTime(remindAt, {workingDays: N})` is D again.
 * The result may lie before the step opened; the caller decides whether such a reminder is still worth sending.
 */
export function remindAt(dueAt: Date, remindBefore: Duration, calendar?: BusinessCalendar): RemindTime {
  const { unit, amount } = singleUnit(remindBefore);
  if (unit !== 'workingDays') {
    return { remindAt: new Date(checkedTime(dueAt) - amount * UNIT_MS[unit]), beyondData: false };
  }
  const cal = calendar ?? PLAIN_DAYS;
  const { day, beyondData } = countWorkingDays(
    cal,
    localDateOf(checkedTime(dueAt), cal.timeZone),
    amount,
    -1,
  );
  return { remindAt: new Date(endOfLocalDay(day, cal.timeZone)), beyondData };
}

/**
 * The day `amount` working days after (`direction` 1) or before (-1) `start`, and whether any day looked at lies
 * outside the calendar's data. A week holding none of the calendar's dated exceptions (holidays, working weekends)
 * has exactly `7 - weekend.size` working days, so such weeks are skipped whole: a count of thousands of working days
 * (a definition may ask for MAX_WORKING_DAYS) costs a few dozen steps, not one per day, on the event loop of every
 * submission and decision that opens the step. Days are still walked one by one near an exception and for the last
 * week, so the result is exactly the day-by-day count's.
 */
function countWorkingDays(
  cal: BusinessCalendar,
  start: string,
  amount: number,
  direction: 1 | -1,
): { day: string; beyondData: boolean } {
  const perWeek = 7 - cal.weekend.size;
  let day = start;
  let beyondData = false;
  for (let counted = 0; counted < amount;) {
    // Whole weeks only while more than a week's worth remains: the last working day is found by walking.
    const weeks = Math.min(
      Math.floor((amount - counted - 1) / perWeek),
      weeksClearOfExceptions(cal, day, direction),
    );
    if (weeks > 0) {
      const first = addDays(day, direction);
      day = addDays(day, direction * 7 * weeks);
      // The data covers one range of dates: a stretch lies inside it when both its ends do.
      if (!isCovered(cal, first) || !isCovered(cal, day)) beyondData = true;
      counted += weeks * perWeek;
      continue;
    }
    day = addDays(day, direction);
    if (!isCovered(cal, day)) beyondData = true;
    if (isWorkingDay(cal, day)) counted++;
  }
  return { day, beyondData };
}

/** Per calendar, its dated exceptions in order (local dates sort as strings). */
const exceptionDates = new WeakMap<BusinessCalendar, readonly string[]>();

/** How many whole weeks next to `day`, in `direction` and not counting `day`, hold no dated exception. */
function weeksClearOfExceptions(cal: BusinessCalendar, day: string, direction: 1 | -1): number {
  let dates = exceptionDates.get(cal);
  if (dates === undefined) {
    dates = [...cal.holidays, ...cal.workingWeekends].sort();
    exceptionDates.set(cal, dates);
  }
  // The first exception after `day` (forward) or the last before it (backward), by binary search.
  let low = 0;
  let high = dates.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (direction === 1 ? dates[middle]! <= day : dates[middle]! < day) low = middle + 1;
    else high = middle;
  }
  const next = direction === 1 ? dates[low] : dates[low - 1];
  if (next === undefined) return Infinity;
  const apart = Math.abs(dateMs(next) - dateMs(day)) / DAY_MS;
  return Math.floor((apart - 1) / 7);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Local dates and time zones                                                                                       */
/* ---------------------------------------------------------------------------------------------------------------- */

/** Every day a working day, in UTC: what `workingDays` means for a workflow without a calendar. */
export const PLAIN_DAYS: BusinessCalendar = {
  name: 'plain-days-utc',
  timeZone: 'UTC',
  weekend: new Set(),
  coversFrom: '0000-01-01',
  coversUntil: '9999-12-31',
  holidays: new Set(),
  workingWeekends: new Set(),
};

type Unit = 'workingDays' | 'hours' | 'minutes' | 'seconds';
const UNITS: readonly Unit[] = ['workingDays', 'hours', 'minutes', 'seconds'];
const UNIT_MS = { hours: 3_600_000, minutes: 60_000, seconds: 1_000 } as const;

function singleUnit(d: Duration): { unit: Unit; amount: number } {
  const set = UNITS.filter((u) => d[u] !== undefined);
  if (set.length !== 1) throw new RangeError(`a duration needs exactly one unit, got ${JSON.stringify(d)}`);
  const unit = set[0]!;
  const amount = d[unit]!;
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`${unit} must be a non-negative integer, got ${amount}`);
  }
  if (unit === 'workingDays' && amount > MAX_WORKING_DAYS) {
    throw new RangeError(`workingDays must be at most ${MAX_WORKING_DAYS}, got ${amount}`);
  }
  return { unit, amount };
}

function checkedTime(d: Date): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError('invalid date');
  return t;
}

/** Whether `s` is a real calendar date YYYY-MM-DD (years 0000..9999). */
export function isLocalDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since the epoch of local midnight of a date, read as if the zone were UTC. */
function dateMs(localDate: string): number {
  const t = new Date(0);
  t.setUTCFullYear(
    Number(localDate.slice(0, 4)),
    Number(localDate.slice(5, 7)) - 1,
    Number(localDate.slice(8, 10)),
  );
  return t.getTime();
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `localDate` shifted by `days` days (plain calendar arithmetic). */
export function addDays(localDate: string, days: number): string {
  return formatDate(dateMs(localDate) + days * DAY_MS);
}

/** Day of the week of a date, 0 = Sunday. */
export function dayOfWeek(localDate: string): number {
  return new Date(dateMs(localDate)).getUTCDay();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local wall-clock time of instant `t` in `timeZone`, as milliseconds of a UTC clock showing the same time. */
function wallClock(t: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
    ((t % 1000) + 1000) % 1000,
  );
  return wall.getTime();
}

/** The zone's offset from UTC at instant `t`, in milliseconds (e.g. +28,800,000 for Asia/Shanghai). */
export function zoneOffset(t: number, timeZone: string): number {
  return wallClock(t, timeZone) - t;
}

/** Offsets by zone and minute, so views do not ask Intl again for every due time of a burst; bounded. */
const minuteOffsets = new Map<string, number>();
const MINUTE_OFFSETS_KEPT = 10_000;

/**
 * Instant `t` as RFC 3339 in the wall-clock time of `timeZone`, with its offset: `2026-12-04T23:59:59.999+08:00`, as
 * the REST contract shows a due time on a calendar (the end of a working day reads as one). Without a zone, at
 * offset 0, with an offset of seconds (local mean time before 1900) or outside the years 0–9999, the UTC form
 * `toISOString` gives. Offsets are remembered by the minute: tzdata changes them on whole minutes (the one offset
 * of seconds since 1970, Monrovia's until 1972, is written in UTC anyway, and any offset remembered still names the
 * right instant).
 */
export function instantInZone(t: Date, timeZone: string | null): string {
  if (timeZone === null) return t.toISOString();
  const ms = t.getTime();
  const key = `${timeZone}@${Math.floor(ms / 60_000)}`;
  let offset = minuteOffsets.get(key);
  if (offset === undefined) {
    if (minuteOffsets.size >= MINUTE_OFFSETS_KEPT) minuteOffsets.clear();
    offset = zoneOffset(ms, timeZone);
    minuteOffsets.set(key, offset);
  }
  const local = new Date(ms + offset);
  const year = local.getUTCFullYear();
  if (offset === 0 || offset % 60_000 !== 0 || year < 0 || year > 9999) return t.toISOString();
  const minutes = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${local.toISOString().slice(0, -1)}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

/**
 * How many days after today (in the calendar's zone, at `now`) its holiday data still covers: 0 on its last day,
 * negative once it has run out. Past it only weekends are known, so a count that reaches beyond treats every holiday
 * as a working day.
 */
export function daysOfDataLeft(calendar: BusinessCalendar, now: number): number {
  return Math.round((dateMs(calendar.coversUntil) - dateMs(localDateOf(now, calendar.timeZone))) / DAY_MS);
}

/** The local date (YYYY-MM-DD) of instant `t` in `timeZone`. */
export function localDateOf(t: number, timeZone: string): string {
  return formatDate(wallClock(t, timeZone));
}

/**
 * The instant at which the clocks of `timeZone` show wall time `wall` (ms of a UTC clock showing that time).
 * Where the wall time occurs twice (clocks set back) `later` picks the later instant; where it does not occur
 * (clocks set forward) the instant `gap` before it is returned with `later`, the instant just after the gap
 * otherwise. Offsets are computed for the zone and date, never assumed.
 */
function wallToInstant(wall: number, timeZone: string, later: boolean): number {
  const before = zoneOffset(wall - DAY_MS, timeZone);
  const after = zoneOffset(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClock(t, timeZone) === wall);
  if (candidates.length > 0) return later ? Math.max(...candidates) : Math.min(...candidates);
  // In a gap (after > before): wall - after lies before the transition, wall - before after it.
  return later ? wall - after : wall - before;
}

/** The last millisecond (23:59:59.999 local) of `localDate` in `timeZone`. */
export function endOfLocalDay(localDate: string, timeZone: string): number {
  return wallToInstant(dateMs(localDate) + DAY_MS - 1, timeZone, true);
}

/** The first millisecond (00:00:00.000 local) of `localDate` in `timeZone`. */
export function startOfLocalDay(localDate: string, timeZone: string): number {
  return wallToInstant(dateMs(localDate), timeZone, false);
}
