import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { GENESIS_HASH } from '../audit/hash-chain.util.js';
import type { ApplicationRow, WaitingInterval } from '../engine/plan.types.js';
import type { ApplicationStatus, PersistedSnapshot } from '../engine/workflow-machine.util.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';

@Entity('applications')
@Index('applications_applicant_submitted', ['applicantId', 'submittedAt', 'id'])
// An admin's list, newest first, across applicants: without it every page sorted the whole table.
@Index('applications_submitted', ['submittedAt', 'id'])
// Reports read one workflow's applications over a period of submission; neither column changes after insert, so
// the index keeps updates of the row HOT.
@Index('applications_workflow_submitted', ['workflowKey', 'submittedAt'])
@Index('applications_correction_due', ['correctionDueAt'], { where: "status = 'correction_requested'" })
@Index('applications_pii_retention', ['decidedAt'], {
  where: 'decided_at IS NOT NULL AND pii_erased_at IS NULL',
})
export class ApplicationEntity implements ApplicationRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workflow_key', type: 'text' })
  workflowKey: string;

  @Column({ name: 'workflow_version', type: 'int' })
  workflowVersion: number;

  @Column({ name: 'applicant_id', type: 'text' })
  applicantId: string;

  @Column({ type: 'text' })
  status: ApplicationStatus;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  produced: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  snapshot: PersistedSnapshot;

  @Column({ type: 'int', default: 1 })
  revision: number;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'expected_by', type: 'timestamptz', nullable: true })
  expectedBy: Date | null;

  /** The history head (last seq and hash), so appending to the chain needs no read of the history table. */
  @Column({ name: 'history_seq', type: 'int', default: 0 })
  historySeq: number;

  @Column({ name: 'history_hash', type: 'text', default: GENESIS_HASH })
  historyHash: string;

  /** When the application lapses if the applicant does not correct it (`correctionWindow`); the sweep reads it. */
  @Column({ name: 'correction_due_at', type: 'timestamptz', nullable: true })
  correctionDueAt: Date | null;

  /** Every stretch spent waiting for the applicant, excluded from every department's committed time. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  waiting: WaitingInterval[];

  /**
   * The data key that seals this application's personal (`x-pii`) values in `data`, wrapped under a configured
   * key-encryption key (`kid`); null when the form has none, and once the retention purge erased them.
   */
  @Column({ name: 'pii_key', type: 'jsonb', nullable: true })
  piiKey: WrappedKey | null;

  /** When the retention purge erased the personal values (PII_RETENTION_DAYS after the decision). */
  @Column({ name: 'pii_erased_at', type: 'timestamptz', nullable: true })
  piiErasedAt: Date | null;
}
