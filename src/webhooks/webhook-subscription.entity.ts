import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('webhook_subscriptions')
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  url: string;

  /** History entry types to deliver, or `["*"]` for all; matched by the outbox trigger. */
  @Column({ type: 'jsonb' })
  events: string[];

  /** Only applications of this workflow key; null: every workflow. */
  @Column({ type: 'text', nullable: true })
  workflow: string | null;

  /** Standard Webhooks signing secret, `whsec_` + base64. */
  @Column({ type: 'text' })
  secret: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;
}
