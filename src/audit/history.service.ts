import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { HistoryView } from './audit.dto.js';
import { CheckpointService } from './checkpoint.service.js';
import { chainHash, GENESIS_HASH, verifyChain } from './hash-chain.util.js';
import type { ChainedRow } from './hash-chain.util.js';
import { HistoryEntity } from './history.entity.js';

export interface Actor {
  role: 'admin' | 'officer' | 'applicant' | 'system';
  id: string;
}

export interface HistoryEntry {
  actor: Actor;
  type: string;
  step?: string | null;
  detail?: Record<string, unknown>;
}

export function toChained(row: HistoryEntity): ChainedRow {
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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly checkpoints: CheckpointService,
  ) {}

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

  /** The events, the chain as verified on read, and the proof that the signed head is in its checkpoint. */
  async list(applicationId: string): Promise<HistoryView> {
    const rows = (
      await this.dataSource.manager.find(HistoryEntity, { where: { applicationId }, order: { seq: 'ASC' } })
    ).map(toChained);
    const { valid, head } = verifyChain(rows);
    const checkpoint = await this.checkpoints.proofFor(applicationId);
    const signedRow = checkpoint && rows.find((row) => row.seq === checkpoint.leaf.seq);
    return {
      events: rows.map(({ seq, at, actor, type, step, detail }) => ({ seq, at, actor, type, step, detail })),
      chain: {
        valid,
        head,
        matchesCheckpoint: checkpoint ? signedRow?.hash === checkpoint.leaf.hash : null,
      },
      checkpoint,
    };
  }
}
