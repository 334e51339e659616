import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A signed checkpoint: the Merkle root over the chain heads of every application whose history grew in the id
 * range (fromId, toId], chained to the checkpoint before it. Append-only (triggers refuse UPDATE, DELETE, TRUNCATE).
 */
@Entity('audit_checkpoints')
export class CheckpointEntity {
  /** 1, 2, 3…: the primary key makes a second checkpoint with the same number fail, whoever races for it. */
  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The previous checkpoint's `toId` (0 for the first): history ids above it are new here. bigint, as a string. */
  @Column({ name: 'from_id', type: 'bigint' })
  fromId: string;

  /** The highest history id this checkpoint has seen; every row up to it was committed when it was read. */
  @Column({ name: 'to_id', type: 'bigint' })
  toId: string;

  @Column({ name: 'leaf_count', type: 'int' })
  leafCount: number;

  @Column({ type: 'text' })
  root: string;

  /** The previous checkpoint's `hash` (64 zeros for the first). */
  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  /** SHA-256 (hex) of the signed statement. */
  @Column({ type: 'text' })
  hash: string;

  /** SHA-256 (hex) of the public key's DER (SPKI), naming the key that signed. */
  @Column({ name: 'key_id', type: 'text' })
  keyId: string;

  /** Ed25519 signature (base64) over the signed statement. */
  @Column({ type: 'text' })
  signature: string;
}
