import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rewrapKey } from './pii-crypto.util.js';
import type { Keyring, WrappedKey } from './pii-crypto.util.js';

export const PII_KEYRING = Symbol('PII_KEYRING');

/** Rows re-wrapped or erased per transaction, so neither holds many row locks for long. */
export const PII_BATCH = 500;

/**
 * Key rotation without downtime: new data keys are wrapped under PII_ACTIVE_KEY at once, data keys under older
 * ids still open, and `rewrap` moves them under the active key in batches, under row locks taken with SKIP LOCKED
 * so no event waits for it. Needs nothing but the database and the keys, so `npm run pii:rotate` runs it too.
 */
@Injectable()
export class PiiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PII_KEYRING) private readonly keyring: Keyring,
  ) {}

  /**
   * Re-wraps every data key not under the active key, in batches; returns how many. After it, a retired key may
   * leave PII_KEYS. Safe beside live traffic and beside another process doing the same.
   */
  async rewrap(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<{ id: string; pii_key: WrappedKey }[]>(
          `SELECT id, pii_key FROM applications WHERE pii_key IS NOT NULL AND pii_key->>'kid' <> $1
           LIMIT ${PII_BATCH} FOR UPDATE SKIP LOCKED`,
          [this.keyring.active],
        );
        if (rows.length === 0) return 0;
        const rewrapped = rows.map((row) => ({
          id: row.id,
          key: rewrapKey(this.keyring, row.pii_key, row.id),
        }));
        await manager.query(
          `UPDATE applications a SET pii_key = r.key
           FROM json_to_recordset($1::json) AS r(id uuid, key jsonb) WHERE a.id = r.id`,
          [JSON.stringify(rewrapped)],
        );
        return rows.length;
      });
      total += count;
      if (count < PII_BATCH) return total;
    }
  }

  /** How many data keys each key id wraps: what an operator checks before removing a key from PII_KEYS. */
  async keyUse(): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<{ kid: string; count: number }[]>(
      `SELECT pii_key->>'kid' AS kid, count(*)::int AS count FROM applications WHERE pii_key IS NOT NULL GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((row) => [row.kid, row.count]));
  }
}
