import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { HistoryView } from './audit.dto.js';
import { CheckpointService } from './checkpoint.service.js';
import { verifyChain } from './hash-chain.util.js';
import type { ChainedRow } from './hash-chain.util.js';
import { HistoryEntity } from './history.entity.js';

export type { Actor, HistoryEntry } from './hash-chain.util.js';

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
