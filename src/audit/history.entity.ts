import { Column, Entity, PrimaryColumn } from 'typeorm';

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
}
