import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Relation } from 'typeorm';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

export type DeliveryStatus = 'pending' | 'delivered';

/**
 * The outbox: one row per (subscription, history entry), written by a trigger in the transaction that writes the
 * history entry, so nothing is lost if a process dies. Pending rows are retried until delivered, in seq order per
 * (subscription, application).
 */
@Entity('webhook_deliveries')
@Unique('webhook_deliveries_subscription_application_seq', ['subscriptionId', 'applicationId', 'seq'])
// Application first: a history entry's wake asks for one application's pairs, whatever their subscriptions.
@Index('webhook_deliveries_pending', ['applicationId', 'subscriptionId', 'seq'], {
  where: "status = 'pending'",
})
@Index('webhook_deliveries_log', ['subscriptionId', 'createdAt', 'id'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: Relation<WebhookSubscriptionEntity>;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ type: 'int' })
  seq: number;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ type: 'text', default: 'pending' })
  status: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** When the sweep may try again, once the queue's own retries are spent. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /**
   * Until when an attempt in flight has the row. The attempt posts outside any transaction, so the lease, not a lock,
   * keeps a second job from posting the pair's deliveries meanwhile; one left by a crashed process runs out.
   */
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil: Date | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_status', type: 'int', nullable: true })
  lastStatus: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}
