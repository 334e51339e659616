import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { newDataKey, openValue, sealValue, unwrapKey, wrapKey } from './pii-crypto.util.js';
import type { Keyring, WrappedKey } from './pii-crypto.util.js';
import { eraseData, maskData, openData, PII_MASK, piiFieldPaths, sealData } from './pii-fields.util.js';

import { PII_BATCH, PII_KEYRING } from './pii-keys.service.js';

/** An application's data as stored, with what opens it. */
export interface StoredData {
  id: string;
  data: Record<string, unknown>;
  piiKey: WrappedKey | null;
}

/** Plain data and the data key that sealed it (null when the form has no personal field or it was erased). */
export interface OpenedData {
  data: Record<string, unknown>;
  dataKey: Buffer | null;
}

/**
 * Personal data at rest. `seal` before a write and `open` after a read are the event executor's; services decide
 * who sees what (`open` for the applicant and the departments a step grants the fields, `mask` for the rest).
 * The retention purge erases them in batches beside live traffic, under row locks taken with SKIP LOCKED: it never
 * waits for an event, and an event's write waits at most for one short batch (rotation is `PiiKeysService`'s).
 */
@Injectable()
export class PiiService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PII_KEYRING) private readonly keyring: Keyring,
    private readonly definitions: DefinitionsService,
  ) {}

  /** The plain data; a value whose key is gone (erased) reads as the mask. */
  open(workflow: CompiledWorkflow, stored: StoredData): OpenedData {
    const paths = piiFieldPaths(workflow.definition.form);
    if (paths.length === 0) return { data: stored.data, dataKey: null };
    const dataKey = stored.piiKey ? unwrapKey(this.keyring, stored.piiKey, stored.id) : null;
    const data = openData(stored.data, paths, (sealed, path) =>
      dataKey ? openValue(dataKey, sealed, `${stored.id}:${path}`) : PII_MASK,
    );
    return { data, dataKey };
  }

  /**
   * The data as it is stored: every personal value sealed under the application's data key (a new one, wrapped
   * under the active key, when it has none yet).
   */
  seal(
    workflow: CompiledWorkflow,
    plain: { id: string; data: Record<string, unknown>; dataKey: Buffer | null },
  ): { data: Record<string, unknown>; piiKey: WrappedKey | null } {
    const paths = piiFieldPaths(workflow.definition.form);
    if (paths.length === 0) return { data: plain.data, piiKey: null };
    const dataKey = plain.dataKey ?? newDataKey();
    return {
      data: sealData(plain.data, paths, (value, path) => sealValue(dataKey, value, `${plain.id}:${path}`)),
      piiKey: wrapKey(this.keyring, dataKey, plain.id),
    };
  }

  /** What a caller not allowed to see personal data reads. */
  mask(workflow: CompiledWorkflow, data: Record<string, unknown>): Record<string, unknown> {
    return maskData(data, piiFieldPaths(workflow.definition.form));
  }

  /**
   * The retention purge: personal values of applications decided before `before` are erased (their data key and
   * ciphertext dropped, the mask shown from then on). Only `applications` changes: history never held them, so
   * every hash chain and checkpoint still verifies. The revision moves on, so cached views are not reused.
   */
  async erase(before: Date, now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<
          { id: string; workflow_key: string; workflow_version: number; data: Record<string, unknown> }[]
        >(
          `SELECT id, workflow_key, workflow_version, data FROM applications
           WHERE decided_at < $1 AND pii_erased_at IS NULL
           ORDER BY decided_at LIMIT ${PII_BATCH} FOR UPDATE SKIP LOCKED`,
          [before],
        );
        if (rows.length === 0) return 0;
        const erased = await Promise.all(
          rows.map(async (row) => {
            const workflow = await this.definitions.load(row.workflow_key, row.workflow_version, manager);
            return { id: row.id, data: eraseData(row.data, piiFieldPaths(workflow.definition.form)) };
          }),
        );
        await manager.query(
          `UPDATE applications a SET data = e.data, pii_key = NULL, pii_erased_at = $2, revision = a.revision + 1
           FROM json_to_recordset($1::json) AS e(id uuid, data jsonb) WHERE a.id = e.id`,
          [JSON.stringify(erased), now],
        );
        return rows.length;
      });
      total += count;
      if (count < PII_BATCH) return total;
    }
  }
}
