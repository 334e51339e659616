import { DomainException } from './domain.exception.js';

/** Opaque keyset cursor: the sort key of the last item returned, so pages never skip or repeat rows. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      return values;
    }
  } catch {
    // fall through to the one error below
  }
  throw DomainException.invalid('Invalid cursor', [
    { path: '$.cursor', message: 'is not a cursor this API returned' },
  ]);
}
