import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DataSource, LessThan } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type {
  CheckpointListQuery,
  CheckpointPage,
  CheckpointProof,
  CheckpointView,
  PublicKeyView,
} from './audit.dto.js';
import { CheckpointLeafEntity } from './checkpoint-leaf.entity.js';
import { CheckpointNodeEntity } from './checkpoint-node.entity.js';
import { CheckpointEntity } from './checkpoint.entity.js';
import {
  checkpointTree,
  FIRST_PREV_HASH,
  headLeaves,
  keyIdOf,
  signStatement,
  STATEMENT_VERSION,
} from './checkpoint.util.js';
import type { SignedCheckpoint } from './checkpoint.util.js';
import { headLeafData, KEPT_SUBTREE, leafHash, MerkleTree, proofRanges, storedProof } from './merkle.util.js';
import type { ChainHead, LeafRange } from './merkle.util.js';

/** Taken shared by the history insert trigger (AuditLog migration), exclusively here to read the high-water mark. */
export const HISTORY_APPEND_LOCK = 7_140_312_002;
/** Serialises checkpoint creation across processes. */
const CHECKPOINT_LOCK = 7_140_312_003;
const LEAF_INSERT_BATCH = 1000;
const DEFAULT_PAGE = 50;
/** Checkpoints whose trees a process keeps for proofs, the ones last asked of (see CheckpointService.tree). */
const KEPT_TREES = 4;

export function toSigned(row: CheckpointEntity): SignedCheckpoint {
  return {
    version: STATEMENT_VERSION,
    seq: row.seq,
    createdAt: row.createdAt.toISOString(),
    fromId: row.fromId,
    toId: row.toId,
    leafCount: row.leafCount,
    root: row.root,
    prevHash: row.prevHash,
    keyId: row.keyId,
    hash: row.hash,
    signature: row.signature,
  };
}

/**
 * Signed checkpoints over the history: each one signs the Merkle root of the chain heads of every application whose
 * history grew since the checkpoint before it, and links to that one.
 *
 * Nothing committed may be missed and nothing uncommitted covered. History ids come from a sequence, and sequence
 * values are not committed in order, so "the highest id I can see" is no safe mark by itself. The insert trigger
 * numbers each row only after taking HISTORY_APPEND_LOCK shared (held to the end of the writer's transaction); the
 * checkpoint takes it exclusively, in a transaction of its own that only reads `max(id)`. By then every writer that
 * numbered a row has committed or rolled back, and every later writer gets a higher id. Writers pause only for that
 * one read.
 */
@Injectable()
export class CheckpointService {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
  private readonly trees = new Map<number, Promise<MerkleTree>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.privateKey = createPrivateKey(config.auditSigningKey);
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  publicKeyView(): PublicKeyView {
    return {
      algorithm: 'Ed25519',
      keyId: this.keyId,
      pem: this.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  }

  /**
   * Signs a checkpoint. On demand it always does (possibly with no leaves: a signed "nothing changed up to here");
   * on schedule it does once per interval of the wall clock, whichever process comes first, and only when some
   * history grew. Answers null when the scheduled one is not due.
   */
  async create(trigger: 'demand' | 'schedule', now = new Date()): Promise<CheckpointView | null> {
    // Not due is known without a lock (and checked again under it): a tick that signs nothing pauses no writer.
    if (trigger === 'schedule' && !this.due(await this.latest(this.dataSource.manager), now)) return null;
    // Read before the checkpoint's transaction, on a connection that is back in the pool by then: a checkpoint never
    // holds two connections at once, which on a pool of one would wait for itself for good. An earlier mark is still
    // a mark (every row below it had committed), and one overtaken by a checkpoint signed meanwhile leaves an empty
    // range.
    const mark = await this.highWaterMark();
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK]);
      const last = await this.latest(manager);
      if (trigger === 'schedule' && !this.due(last, now)) return null;
      const fromId = last?.toId ?? '0';
      const toId = BigInt(mark) > BigInt(fromId) ? mark : fromId;
      const heads = await this.changedHeads(manager, fromId, toId);
      if (trigger === 'schedule' && heads.length === 0) return null;
      const tree = checkpointTree(heads);

      const signed = signStatement(
        {
          version: STATEMENT_VERSION,
          seq: (last?.seq ?? 0) + 1,
          createdAt: now.toISOString(),
          fromId,
          toId,
          leafCount: heads.length,
          root: tree.root,
          prevHash: last?.hash ?? FIRST_PREV_HASH,
          keyId: this.keyId,
        },
        this.privateKey,
      );
      const { version: _version, createdAt: _createdAt, ...columns } = signed;
      await manager.insert(CheckpointEntity, { ...columns, createdAt: now });
      for (let from = 0; from < heads.length; from += LEAF_INSERT_BATCH) {
        await manager.insert(
          CheckpointLeafEntity,
          heads.slice(from, from + LEAF_INSERT_BATCH).map((head, i) => ({
            checkpointSeq: signed.seq,
            leafIndex: from + i,
            ...head,
          })),
        );
      }
      for (let from = 0; from < tree.nodes.length; from += LEAF_INSERT_BATCH) {
        await manager.insert(
          CheckpointNodeEntity,
          tree.nodes.slice(from, from + LEAF_INSERT_BATCH).map((node) => ({
            checkpointSeq: signed.seq,
            fromLeaf: node.from,
            toLeaf: node.to,
            hash: node.hash,
          })),
        );
      }
      return signed;
    });
  }

  async list(query: CheckpointListQuery): Promise<CheckpointPage> {
    const limit = query.limit === undefined ? DEFAULT_PAGE : Number(query.limit);
    const after = decodeCursor(query.cursor, ['integer']);
    const rows = await this.dataSource.manager.find(CheckpointEntity, {
      where: after ? { seq: LessThan(Number(after[0])) } : {},
      order: { seq: 'DESC' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit).map(toSigned);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor([String(last.seq)]) : null,
    };
  }

  /** The latest checkpoint covering the application and the inclusion proof of its head there, or null. */
  async proofFor(applicationId: string): Promise<CheckpointProof | null> {
    const manager = this.dataSource.manager;
    const [mine] = await manager.find(CheckpointLeafEntity, {
      where: { applicationId },
      order: { checkpointSeq: 'DESC' },
      take: 1,
    });
    if (!mine) return null;
    const checkpoint = await manager.findOneByOrFail(CheckpointEntity, { seq: mine.checkpointSeq });
    const proof =
      (await this.proofFromStored(checkpoint.seq, proofRanges(checkpoint.leafCount, mine.leafIndex))) ??
      (await this.tree(mine.checkpointSeq)).proof(mine.leafIndex);
    return {
      checkpoint: toSigned(checkpoint),
      leaf: { index: mine.leafIndex, seq: mine.seq, hash: mine.hash },
      proof,
    };
  }

  /**
   * The proof from what the checkpoint stored: the roots of the large sibling subtrees, and the leaves of the small
   * ones (fewer than KEPT_SUBTREE each, so fewer than 64 per level of the tree, about a hundred in all for most
   * leaves), two indexed reads whatever the checkpoint's size. Null for a checkpoint signed before its subtree roots
   * were stored: the whole tree is read then (`tree`).
   */
  private async proofFromStored(seq: number, ranges: LeafRange[]): Promise<string[] | null> {
    const large = ranges.filter((r) => r.to - r.from >= KEPT_SUBTREE);
    const small = ranges.filter((r) => r.to - r.from < KEPT_SUBTREE);
    const [nodes, leaves] = await Promise.all([
      large.length === 0
        ? []
        : this.dataSource.query<{ from: number; to: number; hash: string }[]>(
            `SELECT n.from_leaf AS "from", n.to_leaf AS "to", n.hash
               FROM unnest($2::int[], $3::int[]) AS r(from_leaf, to_leaf)
               JOIN audit_checkpoint_nodes n
                 ON n.checkpoint_seq = $1 AND n.from_leaf = r.from_leaf AND n.to_leaf = r.to_leaf`,
            [seq, large.map((r) => r.from), large.map((r) => r.to)],
          ),
      small.length === 0
        ? []
        : this.dataSource.query<(ChainHead & { index: number })[]>(
            `SELECT l.leaf_index AS "index", l.application_id AS "applicationId", l.seq, l.hash
               FROM unnest($2::int[], $3::int[]) AS r(from_leaf, to_leaf)
               JOIN audit_checkpoint_leaves l
                 ON l.checkpoint_seq = $1 AND l.leaf_index >= r.from_leaf AND l.leaf_index < r.to_leaf`,
            [seq, small.map((r) => r.from), small.map((r) => r.to)],
          ),
    ]);
    const roots = new Map(nodes.map((n) => [`${n.from}-${n.to}`, n.hash]));
    const leafHashes = new Map(leaves.map((l) => [l.index, leafHash(headLeafData(l))]));
    return storedProof(ranges, {
      root: ({ from, to }) => roots.get(`${from}-${to}`),
      leaf: (index) => leafHashes.get(index),
    });
  }

  /**
   * A checkpoint's tree, for a checkpoint signed before its subtree roots were stored (proofFromStored), kept for the
   * next proof in it: such a checkpoint holds every application whose history grew in its interval (tens of
   * thousands at a hundred submissions a second), and without it every read loaded all the leaves and hashed the
   * whole tree again. Its leaves never change. The trees last asked of are kept, most recent last.
   */
  private tree(seq: number): Promise<MerkleTree> {
    let tree = this.trees.get(seq);
    if (tree === undefined) {
      // Plain rows, not entities: hydrating tens of thousands of entities took the event loop far longer than
      // hashing their heads does.
      tree = this.dataSource
        .query<ChainHead[]>(
          `SELECT application_id AS "applicationId", seq, hash FROM audit_checkpoint_leaves
            WHERE checkpoint_seq = $1 ORDER BY leaf_index`,
          [seq],
        )
        .then((heads) => new MerkleTree(headLeaves(heads)));
      // A failed read is not kept: the next proof reads again.
      const kept = tree;
      kept.catch(() => {
        if (this.trees.get(seq) === kept) this.trees.delete(seq);
      });
    }
    this.trees.delete(seq);
    this.trees.set(seq, tree);
    const oldest = this.trees.keys().next().value;
    if (this.trees.size > KEPT_TREES && oldest !== undefined) this.trees.delete(oldest);
    return tree;
  }

  /** The latest checkpoint, if any. */
  private async latest(manager: EntityManager): Promise<CheckpointEntity | undefined> {
    const [last] = await manager.find(CheckpointEntity, { order: { seq: 'DESC' }, take: 1 });
    return last;
  }

  /** A scheduled checkpoint is due once per interval of the wall clock, whichever process comes first. */
  private due(last: CheckpointEntity | undefined, now: Date): boolean {
    const interval = this.config.auditCheckpointIntervalMs;
    return (
      last === undefined ||
      Math.floor(last.createdAt.getTime() / interval) < Math.floor(now.getTime() / interval)
    );
  }

  /** The highest history id below which every row is committed (see the class comment). */
  private async highWaterMark(): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [HISTORY_APPEND_LOCK]);
      // A new statement in READ COMMITTED: its snapshot is taken after the lock, so it sees every such commit.
      const [row] = await manager.query<{ mark: string }[]>(
        'SELECT COALESCE(max(id), 0)::text AS mark FROM history',
      );
      return row!.mark;
    });
  }

  /** For each application with a history row in (fromId, toId]: its last row at or below toId, by application id. */
  private async changedHeads(manager: EntityManager, fromId: string, toId: string): Promise<ChainHead[]> {
    return manager.query<ChainHead[]>(
      `SELECT DISTINCT ON (h.application_id) h.application_id AS "applicationId", h.seq, h.hash
         FROM history h
        WHERE h.id <= $2
          AND h.application_id IN (SELECT application_id FROM history WHERE id > $1 AND id <= $2)
        ORDER BY h.application_id, h.seq DESC`,
      [fromId, toId],
    );
  }
}
