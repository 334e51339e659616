import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from './cursor.util.js';

const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

describe('decodeCursor', () => {
  it('gives back what encodeCursor made', () => {
    const values = ['2026-12-05T10:00:00.000Z', '0b8f6c1e-2f4a-4c57-9a3e-5d2b7c9e1f00'];
    expect(decodeCursor(encodeCursor(values), ['timestamp', 'uuid'])).toEqual(values);
    expect(decodeCursor(undefined, ['timestamp'])).toBeNull();
  });

  it('refuses timestamps PostgreSQL would refuse, though JavaScript reads them', () => {
    // Year 0000 (1 BC) and February 30 both parse in JavaScript; the first round-trips, the second rolls over.
    for (const timestamp of ['0000-06-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-12-05T10:00:00Z'])
      expect(() => decodeCursor(forged([timestamp]), ['timestamp'])).toThrow('Invalid cursor');
    expect(decodeCursor(forged(['0001-01-01T00:00:00.000Z']), ['timestamp'])).toEqual([
      '0001-01-01T00:00:00.000Z',
    ]);
  });

  it('takes a column time to the microsecond as an instant, and a millisecond one, as earlier cursors carried', () => {
    for (const instant of ['2026-12-07T02:30:00.123456Z', '2026-12-07T02:30:00.123Z'])
      expect(decodeCursor(forged([instant]), ['instant'])).toEqual([instant]);
    for (const instant of [
      '2026-02-30T00:00:00.123456Z',
      '0000-06-01T00:00:00.000000Z',
      '2026-12-07T02:30:00.1234Z',
    ])
      expect(() => decodeCursor(forged([instant]), ['instant'])).toThrow('Invalid cursor');
  });

  it('takes an integer a PostgreSQL int holds, and nothing larger', () => {
    for (const integer of ['0', '7', '2147483647'])
      expect(decodeCursor(forged([integer]), ['integer'])).toEqual([integer]);
    for (const integer of ['2147483648', '99999999999', '-1', '07', '1.5', 7])
      expect(() => decodeCursor(forged([integer]), ['integer'])).toThrow('Invalid cursor');
  });
});
