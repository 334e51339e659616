import { DomainException } from './domain.exception.js';

/**
 * A calendar date, or a date-time with seconds optional and an offset required (RFC 3339). Nothing looser: ISO 8601
 * also has compact (20260101), week (2026-W01) and ordinal (2026-001) forms, which `new Date()` cannot read or reads
 * wrongly, and a date-time without an offset would mean whatever the server's time zone makes of it. What RFC 3339
 * and ISO 8601 let a client write otherwise is read: a lowercase `t` or `z`, a space between date and time, an offset
 * without its colon (`+0800`, as `date +%z` prints it).
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]([01]\d|2[0-3]):([0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?)([Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$/;

/** What `toISOString()` and PostgreSQL both write with four digits; an offset may push a valid text outside. */
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

export const INSTANT_FORMS = 'a date (2026-01-01) or a date-time with an offset (2026-01-01T08:00:00+08:00)';

/**
 * The instant a query or body value names, or null if it names none this API can use. A date alone is its midnight
 * UTC, as `new Date()` reads it.
 */
export function parseInstant(text: string): Date | null {
  const match = INSTANT.exec(text);
  if (!match) return null;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  // The pattern lets 31 February through, and Date rolls it over to March; only a round trip is sure. (Not Date.UTC:
  // it reads years 0 to 99 as 1900 to 1999.)
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  const [, , , , hour, minutesOn, offset = ''] = match;
  // Written out the one way every engine's Date reads.
  const zone = offset.toUpperCase() === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const canonical = hour === undefined ? text : `${text.slice(0, 10)}T${hour}:${minutesOn}${zone}`;
  const instant = new Date(canonical);
  if (Number.isNaN(instant.getTime())) return null;
  const utcYear = instant.getUTCFullYear();
  return utcYear >= FIRST_YEAR && utcYear <= LAST_YEAR ? instant : null;
}

/**
 * A query's instant as its check (`@IsInstant`) read it, or null when absent. Not `new Date()`: with a space for the
 * T it falls back to a legacy reader, which takes 0020-01-05 for month 20 and 0050 for 1950.
 */
export function queryInstant(text: string | undefined): Date | null {
  return text === undefined ? null : parseInstant(text);
}

/**
 * Refuses a `[from, to)` period whose bounds are both given and hold no instant (`to` not after `from`), naming
 * `$.to`: a report or aggregate over it would answer as if nothing had happened.
 */
export function requireNonEmptyPeriod(from: Date | null, to: Date | null, what: string): void {
  if (from === null || to === null || from < to) return;
  throw DomainException.invalid(`The ${what} period is empty`, [
    { path: '$.to', message: 'must be after from' },
  ]);
}
