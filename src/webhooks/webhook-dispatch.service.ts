import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { HistoryEntity } from '../audit/history.entity.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { PgListenerService, WEBHOOKS_CHANNEL } from '../notify/pg-listener.service.js';
import { QueueService } from '../queue/queue.service.js';
import { withTimeout } from '../common/timeout-signal.util.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import {
  DELIVERY_LEASE_MS,
  DELIVERY_TIMEOUT_MS,
  deliveryJobId,
  deliveryPayload,
  nextAttemptAt,
  pairLockKey,
  webhookUrlProblem,
} from './webhook-delivery.util.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/** The BullMQ queue of webhook deliveries. */
export const WEBHOOK_QUEUE = 'webhooks';
/** How many (subscription, application) queues one sweep wakes; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

interface Head {
  id: string;
  subscription_id: string;
  application_id: string;
  attempts: number;
  next_attempt_at: Date;
  leased_until: Date | null;
}

/**
 * Leases the pair's oldest pending delivery unless one of its deliveries is leased already: an attempt in flight,
 * which goes on with the rest of the pair when it is done. Run under the pair's advisory lock. The lease comes back
 * as text, to the microsecond, for the attempt's outcome to name it. `status` is checked again on the row itself:
 * the subqueries are evaluated once, before any wait for the row, and an outcome may have been written meanwhile.
 */
const LEASE_HEAD = `
  UPDATE webhook_deliveries SET leased_until = now() + make_interval(secs => $3)
   WHERE id = (SELECT id FROM webhook_deliveries
                WHERE subscription_id = $1 AND application_id = $2 AND status = 'pending'
                ORDER BY seq LIMIT 1)
     AND status = 'pending'
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries
                      WHERE subscription_id = $1 AND application_id = $2 AND status = 'pending'
                        AND leased_until > now())
  RETURNING id, seq, attempts, leased_until::text AS lease`;

/**
 * The pairs to wake: their oldest pending delivery, if due and not in flight, at most `$1`; of application `$2`
 * only when `oneApplication`. Ordered as `webhook_deliveries_pending`, application first, so one application's wake
 * reads its own pending rows and none of the backlog a receiver that is down leaves behind.
 */
export const wakeQuery = (oneApplication: boolean) => `
  SELECT * FROM (
    SELECT DISTINCT ON (application_id, subscription_id)
           id, subscription_id, application_id, attempts, next_attempt_at,
           -- Any of the pair's deliveries may be the one in flight (after a redelivery, a later one).
           max(leased_until) OVER (PARTITION BY application_id, subscription_id) AS leased_until
    FROM webhook_deliveries
    WHERE status = 'pending' ${oneApplication ? 'AND application_id = $2' : ''}
    ORDER BY application_id, subscription_id, seq) heads
  WHERE next_attempt_at <= now() AND (leased_until IS NULL OR leased_until <= now()) LIMIT $1`;

export interface WebhookJobData {
  subscriptionId: string;
  applicationId: string;
}

/**
 * Sends the outbox (webhook_deliveries, filled by a history trigger). One job per (subscription, application)
 * delivers that pair's pending rows oldest first, one at a time, stopping at the first failure, so deliveries arrive
 * in history order per application. Each is leased in a short transaction and posted outside it: a receiver that
 * takes its time holds no connection of the pool and no lock. The queue retries with exponential backoff; once its
 * retries are spent, the sweep wakes the pair again at `next_attempt_at`, for as long as the receiver is down.
 */
@Injectable()
export class WebhookDispatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatchService.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly queues: QueueService,
    private readonly listener: PgListenerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.processRole === 'api') return;
    this.queues.work(WEBHOOK_QUEUE, (job) => this.deliver(job.data as unknown as WebhookJobData), 4);
    this.unsubscribe = await this.listener.subscribe(WEBHOOKS_CHANNEL, (applicationId) => {
      void this.wake(applicationId ?? undefined).catch((error: unknown) =>
        this.logger.warn(`webhooks: ${(error as Error).message}`),
      );
    });
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.sweeping;
  }

  sweep(): Promise<void> {
    this.sweeping ??= this.wake()
      .catch((error: unknown) => this.logger.error(`webhook sweep failed: ${(error as Error).message}`))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Enqueues the pairs whose oldest pending delivery is due and not in flight (of one application, or all). */
  async wake(applicationId?: string): Promise<void> {
    const one = applicationId !== undefined;
    const heads: Head[] = await this.dataSource.query(
      wakeQuery(one),
      one ? [SWEEP_BATCH, applicationId] : [SWEEP_BATCH],
    );
    await Promise.all(
      heads.map((head) =>
        this.enqueue(
          head,
          deliveryJobId({ id: head.id, attempts: head.attempts, leasedUntil: head.leased_until }),
        ),
      ),
    );
  }

  /**
   * Queues a job for the pair, once per `jobId` (see deliveryJobId). A job that fails for good before it records an
   * attempt (the database was away) leaves the pair's state, and so the id, as it was: kept as failed, it would make
   * every wake's job for the pair a no-op for a day. The delivery rows keep what each attempt did.
   */
  async enqueue(head: Pick<Head, 'subscription_id' | 'application_id'>, jobId: string): Promise<void> {
    const data: WebhookJobData = { subscriptionId: head.subscription_id, applicationId: head.application_id };
    await this.queues.addBulk(WEBHOOK_QUEUE, [{ id: jobId, data: { ...data }, forgetFailure: true }]);
  }

  /** Delivers the pair's pending rows in seq order; throws on the first failure so the queue retries. */
  async deliver({ subscriptionId, applicationId }: WebhookJobData): Promise<void> {
    const subscription = await this.dataSource.manager.findOneBy(WebhookSubscriptionEntity, {
      id: subscriptionId,
    });
    if (!subscription) return; // deleted since: its deliveries went with it
    for (;;) {
      const leased = await this.lease(subscriptionId, applicationId);
      if (leased === null) return;
      const result = await this.post(subscription, leased.id, leased.body);
      const now = new Date();
      const { affected } = await this.dataSource
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({
          attempts: leased.attempts + 1,
          leasedUntil: null,
          lastAttemptAt: now,
          lastStatus: result.status,
          lastError: result.error,
          ...(result.error === null
            ? { status: 'delivered' as const, deliveredAt: now }
            : { nextAttemptAt: nextAttemptAt(now, leased.attempts + 1) }),
        })
        .where('id = :id AND leased_until = CAST(:lease AS timestamptz)', {
          id: leased.id,
          lease: leased.lease,
        })
        .execute();
      // This attempt outlived its lease (a stalled process) and another has the pair now: that one goes on.
      if (affected === 0) return;
      // Recorded above; throwing now makes the queue retry with backoff. The log names the subscription, not its
      // address: receivers often carry a token in the path or query.
      if (result.error !== null) throw new Error(`webhook subscription ${subscription.id}: ${result.error}`);
    }
  }

  /** The pair's next delivery, leased, with the body to send; null when none is pending or one is in flight. */
  private lease(
    subscriptionId: string,
    applicationId: string,
  ): Promise<{ id: string; attempts: number; lease: string; body: string } | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        pairLockKey(subscriptionId, applicationId),
      ]);
      // An UPDATE's answer here is its rows and their count.
      const [[head]] = await manager.query<
        [{ id: string; seq: number; attempts: number; lease: string }[], number]
      >(LEASE_HEAD, [subscriptionId, applicationId, DELIVERY_LEASE_MS / 1000]);
      if (head === undefined) return null;
      const [row, application] = await Promise.all([
        manager.findOneByOrFail(HistoryEntity, { applicationId, seq: head.seq }),
        manager.findOneByOrFail(ApplicationEntity, { id: applicationId }),
      ]);
      const body = deliveryPayload(row, {
        key: application.workflowKey,
        version: application.workflowVersion,
      });
      return { id: head.id, attempts: head.attempts, lease: head.lease, body };
    });
  }

  private async post(
    subscription: WebhookSubscriptionEntity,
    id: string,
    body: string,
  ): Promise<{ status: number | null; error: string | null }> {
    // Checked again at every attempt: the allow-list may have shrunk since the subscription was made.
    const refused = webhookUrlProblem(subscription.url, this.config.webhookAllowedHosts);
    if (refused) return { status: null, error: `url ${refused}` };
    const timestamp = new Date();
    try {
      const status = await withTimeout(DELIVERY_TIMEOUT_MS, async (signal) => {
        const response = await fetch(subscription.url, {
          method: 'POST',
          // A redirect could lead anywhere, past the allow-list: it counts as a failure.
          redirect: 'manual',
          signal,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'parallel-approvals-webhooks/1',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': new Webhook(subscription.secret).sign(id, timestamp, body),
          },
          body,
        });
        await response.body?.cancel();
        return response.status;
      });
      return status >= 200 && status < 300
        ? { status, error: null }
        : { status, error: `answered ${status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { status: null, error: cause ?? (error as Error).message };
    }
  }
}
