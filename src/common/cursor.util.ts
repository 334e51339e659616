import { DomainException } from './domain.exception.js';
import { isUuid } from './uuid.util.js';

/**
 * `timestamp`: a JavaScript Date's time, to the millisecond, for columns written from one. `instant`: a column's time
 * to the microsecond (`INSTANT_TEXT`), for columns PostgreSQL fills with `now()`, whose rows within one millisecond a
 * millisecond cursor would skip; it takes a millisecond time too, as cursors handed out before it carried. `integer`:
 * a non-negative PostgreSQL `int`.
 */
export type CursorPart = 'timestamp' | 'instant' | 'uuid' | 'integer';

/** Exactly what toISOString() writes: anything looser may parse in JavaScript and still be refused by PostgreSQL. */
function isIsoTime(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    // Year 0000 (1 BC) round-trips in JavaScript; PostgreSQL refuses it.
    /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) &&
    // Date.parse rolls an impossible day over (Feb 30 is Mar 2); PostgreSQL refuses it. Only a round trip is sure.
    !Number.isNaN(Date.parse(v)) &&
    new Date(v).toISOString() === v
  );
}

/** A column's time as `instant` cursor parts carry it: ISO 8601 in UTC, to the microsecond. */
export const INSTANT_TEXT = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const INT4_MAX = 2_147_483_647;

const CHECKS: Record<CursorPart, (value: unknown) => boolean> = {
  timestamp: isIsoTime,
  instant: (v) =>
    typeof v === 'string' && /^[^.]*\.\d{3}(\d{3})?Z$/.test(v) && isIsoTime(`${v.slice(0, 23)}Z`),
  uuid: isUuid,
  // The columns it pages are PostgreSQL `int`: a larger value would reach SQL and be refused there, naming no field.
  integer: (v) => typeof v === 'string' && /^(0|[1-9]\d{0,9})$/.test(v) && Number(v) <= INT4_MAX,
};

/** Opaque keyset cursor: the sort key of the last item returned, so pages never skip or repeat rows. */
export function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The cursor's values, each checked against its part, so a forged cursor is a 400 and never reaches SQL. */
export function decodeCursor(cursor: string | undefined, parts: CursorPart[]): string[] | null {
  if (cursor === undefined) return null;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  if (
    Array.isArray(values) &&
    values.length === parts.length &&
    parts.every((part, i) => CHECKS[part](values[i]))
  ) {
    return values as string[];
  }
  throw DomainException.invalid('Invalid cursor', [
    { path: '$.cursor', message: 'is not a cursor this API returned' },
  ]);
}
