import { DomainException } from './domain.exception.js';
import { isUuid } from './uuid.util.js';

export type CursorPart = 'timestamp' | 'uuid' | 'integer';

const CHECKS: Record<CursorPart, (value: unknown) => boolean> = {
  // Exactly what toISOString() writes: anything looser may parse in JavaScript and still be refused by PostgreSQL.
  timestamp: (v) =>
    typeof v === 'string' &&
    // Year 0000 (1 BC) round-trips in JavaScript; PostgreSQL refuses it.
    /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) &&
    // Date.parse rolls an impossible day over (Feb 30 is Mar 2); PostgreSQL refuses it. Only a round trip is sure.
    !Number.isNaN(Date.parse(v)) &&
    new Date(v).toISOString() === v,
  uuid: isUuid,
  integer: (v) => typeof v === 'string' && /^(0|[1-9]\d{0,14})$/.test(v),
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
