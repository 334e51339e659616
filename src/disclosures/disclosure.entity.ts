import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DISCLOSURE_KINDS = ['task-view', 'fact-lookup'] as const;
export type DisclosureKind = (typeof DISCLOSURE_KINDS)[number];

/**
 * One flow of an applicant's data to a department: a task view (the form fields an officer was shown) or a fact
 * lookup (the values a rule's URL carried to another department's service). Names of fields only, never values.
 *
 * Append-only: triggers refuse UPDATE and TRUNCATE always, and DELETE unless the transaction has set
 * `pa.disclosures_purge = 'on'` (see the DisclosureLedger migration and docs/security.md).
 */
@Entity('disclosures')
@Index('disclosures_application', ['applicationId', 'at', 'id'])
@Index('disclosures_recipient', ['recipientDepartment', 'at'])
// The flows report reads a period across departments. A BRIN index (made by the ListIndexes migration, which the
// decorator cannot describe): rows arrive in time order, and it costs the ledger's hot inserts next to nothing.
@Index('disclosures_at', { synchronize: false })
export class DisclosureEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ type: 'text' })
  kind: DisclosureKind;

  /** Whose data it was: `applicant` (the form) for every flow recorded today. */
  @Column({ name: 'source_department', type: 'text' })
  sourceDepartment: string;

  /** The department shown the fields (task view), or the host of the service asked (fact lookup); null: an admin. */
  @Column({ name: 'recipient_department', type: 'text', nullable: true })
  recipientDepartment: string | null;

  @Column({ name: 'actor_role', type: 'text' })
  actorRole: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ type: 'text' })
  step: string;

  /** Dotted paths of the form fields disclosed. */
  @Column({ type: 'text', array: true })
  fields: string[];

  /** A fact lookup's fact name; never its URL, which carries values and perhaps credentials. */
  @Column({ type: 'text', nullable: true })
  target: string | null;

  @Column({ type: 'timestamptz' })
  at: Date;
}
