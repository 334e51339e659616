import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { idempotencyContext } from '../common/unit-of-work.service.js';
import { rewrapKey } from './pii-crypto.util.js';
import type { Keyring, WrappedKey } from './pii-crypto.util.js';

export const PII_KEYRING = Symbol('PII_KEYRING');

/** Rows re-wrapped or erased per transaction, so neither holds many row locks for long. */
export const PII_BATCH = 500;

/**
 * Key rotation without downtime: new data keys are wrapped under PII_ACTIVE_KEY at once, data keys under older ids
 * still open, and `rewrap` moves them under the active key in batches, under row locks taken with SKIP LOCKED: it
 * never waits for an event, and an event's write waits at most for one short batch. Needs nothing but the database
 * and the keys, so `npm run pii:rotate` runs it too.
 */
@Injectable()
export class PiiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PII_KEYRING) private readonly keyring: Keyring,
  ) {}

  /**
   * Re-wraps every data key not under the active key, in batches: the applications' and those of stored
   * idempotent answers. Returns how many. After it, a retired key may leave PII_KEYS (`keyUse` shows none left).
   * Safe beside live traffic and beside another process doing the same.
   */
  async rewrap(): Promise<number> {
    // With the active key alone there is nothing to move (a data key under another id could not be opened), so
    // the usual deployment never scans `applications` for it each PURGE_INTERVAL_MS: no index serves `kid <> $1`.
    if (Object.keys(this.keyring.keys).every((kid) => kid === this.keyring.active)) return 0;
    const applications = await this.inBatches(
      `SELECT id, pii_key AS key FROM applications WHERE pii_key IS NOT NULL AND pii_key->>'kid' <> $1
       LIMIT ${PII_BATCH} FOR UPDATE SKIP LOCKED`,
      (row: { id: string }) => row.id,
      `UPDATE applications a SET pii_key = r.key
       FROM json_to_recordset($1::json) AS r(id uuid, key jsonb) WHERE a.id = r.id`,
    );
    const answers = await this.inBatches(
      `SELECT caller, key AS idempotency_key, response_body->'key' AS key FROM idempotency_keys
       WHERE response_body->'key'->>'kid' <> $1 LIMIT ${PII_BATCH} FOR UPDATE SKIP LOCKED`,
      (row: { caller: string; idempotency_key: string }) =>
        idempotencyContext(row.caller, row.idempotency_key),
      `UPDATE idempotency_keys i
       SET response_body = json_build_object('$sealed', i.response_body->'$sealed', 'key', r.key)
       FROM json_to_recordset($1::json) AS r(caller text, idempotency_key text, key json)
       WHERE i.caller = r.caller AND i.key = r.idempotency_key`,
    );
    return applications + answers;
  }

  /** Locks a batch of rows whose wrapped `key` is not under the active key, re-wraps it, writes it back; again. */
  private async inBatches<Row extends Record<string, unknown>>(
    select: string,
    context: (row: Row) => string,
    update: string,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<(Row & { key: WrappedKey })[]>(select, [this.keyring.active]);
        if (rows.length === 0) return 0;
        const rewrapped = rows.map((row) => ({
          ...row,
          key: rewrapKey(this.keyring, row.key, context(row)),
        }));
        await manager.query(update, [JSON.stringify(rewrapped)]);
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
