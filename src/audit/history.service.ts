import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { verifyChain } from './hash-chain.util.js';
import type { ChainedRow } from './hash-chain.util.js';
import { HistoryEntity } from './history.entity.js';

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
