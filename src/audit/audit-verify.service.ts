import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { KeyObject } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import type { VerifyReport } from './audit.dto.js';
import { toSigned } from './checkpoint.service.js';
import { CheckpointEntity } from './checkpoint.entity.js';
import { checkpointProblem, checkpointTree, storedNodesProblem } from './checkpoint.util.js';
import type { SignedCheckpoint } from './checkpoint.util.js';
import { verifyChain } from './hash-chain.util.js';
import { toChained } from './history.service.js';
import { HistoryEntity } from './history.entity.js';
import type { ChainHead, SubtreeRoot } from './merkle.util.js';

const APPLICATION_BATCH = 200;

export interface VerifyOutcome extends VerifyReport {
  /** Why each failed application or checkpoint fails, for the script's output and the logs. */
  reasons: string[];
}

/**
 * Rechecks every history chain against the signed checkpoints, with nothing but the public key to trust: each
 * checkpoint's signature, its link to the one before and the root of its stored leaves; then every application's
 * chain row by row, and that the event at each signed head still has the signed hash. Rewriting a chain and
 * recomputing every hash passes the first test, never the second; rewriting the leaves too breaks the root, and
 * the root is signed.
 */
@Injectable()
export class AuditVerifyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(publicKey: KeyObject): Promise<VerifyOutcome> {
    const manager = this.dataSource.manager;
    const failed = new Set<string>();
    const failedCheckpoints: number[] = [];
    const reasons: string[] = [];
    /** application → the (seq, hash) heads signed for it. */
    const signedHeads = new Map<string, { seq: number; hash: string; checkpoint: number }[]>();

    const checkpoints = (await manager.find(CheckpointEntity, { order: { seq: 'ASC' } })).map(toSigned);
    let previous: SignedCheckpoint | null = null;
    for (const checkpoint of checkpoints) {
      // Plain rows, not entities: a checkpoint may hold tens of thousands of leaves.
      const [heads, nodes] = await Promise.all([
        manager.query<ChainHead[]>(
          `SELECT application_id AS "applicationId", seq, hash FROM audit_checkpoint_leaves
            WHERE checkpoint_seq = $1 ORDER BY leaf_index`,
          [checkpoint.seq],
        ),
        manager.query<SubtreeRoot[]>(
          `SELECT from_leaf AS "from", to_leaf AS "to", hash FROM audit_checkpoint_nodes WHERE checkpoint_seq = $1`,
          [checkpoint.seq],
        ),
      ]);
      const tree = checkpointTree(heads);
      const problem = checkpointProblem(checkpoint, previous, tree, publicKey);
      if (problem) {
        // Its leaves cannot be told from forgeries: every application it names fails with it.
        failedCheckpoints.push(checkpoint.seq);
        reasons.push(`checkpoint ${checkpoint.seq}: ${problem}`);
        for (const head of heads) failed.add(head.applicationId);
      } else {
        // Its leaves are sound, so are the heads they sign; only the proofs served from these roots would fail.
        const nodesProblem = storedNodesProblem(tree, nodes);
        if (nodesProblem) {
          failedCheckpoints.push(checkpoint.seq);
          reasons.push(`checkpoint ${checkpoint.seq}: ${nodesProblem}`);
        }
        for (const head of heads) {
          const list = signedHeads.get(head.applicationId) ?? [];
          list.push({ seq: head.seq, hash: head.hash, checkpoint: checkpoint.seq });
          signedHeads.set(head.applicationId, list);
        }
      }
      previous = checkpoint;
    }

    // Applications with history, and those a checkpoint names even if their rows are gone.
    const withHistory = (
      await manager.query<{ id: string }[]>('SELECT DISTINCT application_id AS id FROM history')
    ).map((row) => row.id);
    const applications = [...new Set([...withHistory, ...signedHeads.keys()])].sort();
    for (let from = 0; from < applications.length; from += APPLICATION_BATCH) {
      const batch = applications.slice(from, from + APPLICATION_BATCH);
      const rows = await manager.find(HistoryEntity, {
        where: { applicationId: In(batch) },
        order: { applicationId: 'ASC', seq: 'ASC' },
      });
      const byApplication = new Map<string, HistoryEntity[]>();
      for (const row of rows) {
        const list = byApplication.get(row.applicationId) ?? [];
        list.push(row);
        byApplication.set(row.applicationId, list);
      }
      for (const id of batch) {
        const chain = (byApplication.get(id) ?? []).map(toChained);
        const { valid, brokenAt } = verifyChain(chain);
        if (!valid) {
          failed.add(id);
          reasons.push(`application ${id}: the hash chain breaks at event ${brokenAt}`);
        }
        const hashAt = new Map(chain.map((row) => [row.seq, row.hash]));
        for (const head of signedHeads.get(id) ?? []) {
          if (hashAt.get(head.seq) !== head.hash) {
            failed.add(id);
            reasons.push(
              `application ${id}: event ${head.seq} no longer has the hash checkpoint ${head.checkpoint} signed`,
            );
          }
        }
      }
    }
    return {
      checked: applications.length,
      failed: [...failed].sort(),
      checkpoints: checkpoints.length,
      failedCheckpoints,
      reasons,
    };
  }
}
