import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The root of one subtree of a checkpoint's Merkle tree, for each subtree of at least KEPT_SUBTREE leaves: a proof
 * reads the few on its path instead of every leaf. Written with the checkpoint and never changed; a stored root
 * that lies only makes its proofs fail, as they are checked against the signed root (and `audit-verify` compares
 * them with the leaves).
 */
@Entity('audit_checkpoint_nodes')
export class CheckpointNodeEntity {
  @PrimaryColumn({ name: 'checkpoint_seq', type: 'int' })
  checkpointSeq: number;

  /** The leaves it spans: [from_leaf, to_leaf). */
  @PrimaryColumn({ name: 'from_leaf', type: 'int' })
  fromLeaf: number;

  @PrimaryColumn({ name: 'to_leaf', type: 'int' })
  toLeaf: number;

  @Column({ type: 'text' })
  hash: string;
}
