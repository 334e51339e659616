import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One rating per application (好差评), given by its applicant once it is decided. */
@Entity('ratings')
@Index('ratings_workflow_created', ['workflowKey', 'createdAt'])
export class RatingEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'workflow_key', type: 'text' })
  workflowKey: string;

  @Column({ name: 'applicant_id', type: 'text' })
  applicantId: string;

  @Column({ type: 'smallint' })
  score: number;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
