import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One leaf of a checkpoint's Merkle tree: an application's chain head. Append-only, like the checkpoints. */
@Entity('audit_checkpoint_leaves')
@Index('audit_checkpoint_leaves_application', ['applicationId', 'checkpointSeq'])
export class CheckpointLeafEntity {
  @PrimaryColumn({ name: 'checkpoint_seq', type: 'int' })
  checkpointSeq: number;

  /** Position in the tree: leaves are ordered by application id. */
  @PrimaryColumn({ name: 'leaf_index', type: 'int' })
  leafIndex: number;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  /** The head's history seq and hash at the checkpoint. */
  @Column({ type: 'int' })
  seq: number;

  @Column({ type: 'text' })
  hash: string;
}
