import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Append-only: triggers refuse UPDATE, DELETE and TRUNCATE (see the AuditLog migration and docs/audit.md).
 */
@Entity('history')
export class HistoryEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_role', type: 'text' })
  actorRole: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text', nullable: true })
  step: string | null;

  @Column({ type: 'jsonb' })
  detail: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;

  /**
   * Position in the log of every application: assigned by the insert trigger under the checkpoint lock, so a
   * checkpoint that has read the highest id has seen every row at or below it (see CheckpointService). bigint is
   * read as a string.
   */
  @Index('history_id', { unique: true })
  @Column({ type: 'bigint', insert: false, update: false })
  id: string;
}
