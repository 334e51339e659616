import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { chainHash, GENESIS_HASH, verifyChain } from './hash-chain.util.js';
import type { ChainedRow } from './hash-chain.util.js';
import { HistoryEntity } from './history.entity.js';

import type { HistoryEntry } from './hash-chain.util.js';

export type { Actor, HistoryEntry } from './hash-chain.util.js';

function toChained(row: HistoryEntity): ChainedRow {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    actor: { role: row.actorRole, id: row.actorId },
    type: row.type,
    step: row.step,
    detail: row.detail,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

@Injectable()
export class HistoryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Appends to the application's chain; the caller holds the application row lock, so seq cannot race. */
  async append(
    manager: EntityManager,
    applicationId: string,
    at: Date,
    entries: HistoryEntry[],
  ): Promise<void> {
    const last = await manager.findOne(HistoryEntity, { where: { applicationId }, order: { seq: 'DESC' } });
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const rows = entries.map((entry) => {
      seq += 1;
      const content = {
        seq,
        at: at.toISOString(),
        actor: entry.actor,
        type: entry.type,
        step: entry.step ?? null,
        detail: entry.detail ?? {},
      };
      const hash = chainHash(prevHash, content);
      const row = {
        applicationId,
        seq,
        at,
        actorRole: entry.actor.role,
        actorId: entry.actor.id,
        type: entry.type,
        step: content.step,
        detail: content.detail,
        prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    // jsonb detail defeats TypeORM's deep-partial typing; the rows match the entity field for field.
    if (rows.length > 0) await manager.insert(HistoryEntity, rows as QueryDeepPartialEntity<HistoryEntity>[]);
  }

  async list(applicationId: string) {
    const rows = (
      await this.dataSource.manager.find(HistoryEntity, { where: { applicationId }, order: { seq: 'ASC' } })
    ).map(toChained);
    const { valid, head } = verifyChain(rows);
    return {
      events: rows.map(({ seq, at, actor, type, step, detail }) => ({ seq, at, actor, type, step, detail })),
      chain: { valid, head },
    };
  }
}
