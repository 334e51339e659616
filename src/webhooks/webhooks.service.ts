import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Brackets, DataSource } from 'typeorm';
import type { Caller } from '../auth/caller.js';
import { decodeCursor, encodeCursor, INSTANT_TEXT } from '../common/cursor.util.js';
import { DomainException } from '../common/domain.exception.js';
import { isUuid } from '../common/uuid.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryDto,
  DeliveryListDto,
  WebhookDto,
  WebhookListDto,
} from './webhook.dto.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { webhookUrlProblem } from './webhook-delivery.util.js';
import { WebhookDispatchService } from './webhook-dispatch.service.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly dispatch: WebhookDispatchService,
  ) {}

  async create(caller: Caller, dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const problem = webhookUrlProblem(dto.url, this.config.webhookAllowedHosts);
    // Its shape and the events were checked with the rest of the body (CreateWebhookDto): what is left is the host.
    if (problem) throw DomainException.invalid(`The url ${problem}`, [{ path: '$.url', message: problem }]);
    const subscription = this.dataSource.manager.create(WebhookSubscriptionEntity, {
      url: dto.url,
      events: [...new Set(dto.events)],
      workflow: dto.workflow ?? null,
      secret: `whsec_${randomBytes(32).toString('base64')}`,
      createdAt: new Date(),
      createdBy: caller.id,
    });
    await this.dataSource.manager.save(subscription);
    return { ...webhookView(subscription), secret: subscription.secret };
  }

  async list(): Promise<WebhookListDto> {
    const rows = await this.dataSource.manager.find(WebhookSubscriptionEntity, {
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return { items: rows.map(webhookView) };
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.dataSource.manager.delete(WebhookSubscriptionEntity, { id });
  }

  /** The delivery log of one subscription, newest first. */
  async deliveries(id: string, query: DeliveriesQuery): Promise<DeliveryListDto> {
    await this.find(id);
    const limit = Number(query.limit ?? 50);
    const after = decodeCursor(query.cursor, ['instant', 'uuid']);
    // `now()` writes created_at to the microsecond, and a history entry's deliveries share one: the cursor carries
    // it whole, where a Date's millisecond would skip the rest of that millisecond's rows.
    const builder = this.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .addSelect(INSTANT_TEXT('d.created_at'), 'cursor_at')
      .where('d.subscription_id = :id', { id })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      const [createdAt, lastId] = after;
      builder.andWhere(
        new Brackets((w) =>
          w
            .where('d.created_at < :at', { at: createdAt })
            .orWhere('d.created_at = :at AND d.id < :lastId', { lastId }),
        ),
      );
    }
    // No join: one raw row per entity, in the same order.
    const { entities, raw } = await builder.getRawAndEntities<{ cursor_at: string }>();
    const page = entities.slice(0, limit);
    const last = page[page.length - 1];
    const lastAt = raw[page.length - 1]?.cursor_at;
    return {
      items: page.map(deliveryView),
      nextCursor: entities.length > limit && last && lastAt ? encodeCursor([lastAt, last.id]) : null,
    };
  }

  /**
   * Sends one delivery again (same webhook-id and body, fresh signature), before any later pending delivery of
   * its application, so the receiver still sees that application's events in order from there on.
   */
  async redeliver(id: string, deliveryId: string): Promise<DeliveryDto> {
    await this.find(id);
    const delivery = isUuid(deliveryId)
      ? await this.dataSource.manager.findOneBy(WebhookDeliveryEntity, { id: deliveryId, subscriptionId: id })
      : null;
    if (!delivery) throw DomainException.notFound('Delivery');
    const nextAttemptAt = new Date();
    // The subscription may be deleted meanwhile, its deliveries with it: then the update finds no row, and that is
    // a 404 like any delivery that is not there, not a read that fails after the write.
    const { affected } = await this.dataSource.manager.update(
      WebhookDeliveryEntity,
      { id: delivery.id, subscriptionId: id },
      { status: 'pending', nextAttemptAt },
    );
    if (!affected) throw DomainException.notFound('Delivery');
    await this.dispatch.enqueue(
      { subscription_id: id, application_id: delivery.applicationId },
      `webhook-${delivery.id}-redeliver-${Date.now()}`,
    );
    // As the redelivery left it: a dispatcher may already be sending it.
    return deliveryView({ ...delivery, status: 'pending', nextAttemptAt });
  }

  private async find(id: string): Promise<WebhookSubscriptionEntity> {
    const subscription = isUuid(id)
      ? await this.dataSource.manager.findOneBy(WebhookSubscriptionEntity, { id })
      : null;
    if (!subscription) throw DomainException.notFound('Webhook subscription');
    return subscription;
  }
}

function webhookView(row: WebhookSubscriptionEntity): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    workflow: row.workflow,
    createdAt: row.createdAt.toISOString(),
  };
}

function deliveryView(row: WebhookDeliveryEntity): DeliveryDto {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    applicationId: row.applicationId,
    seq: row.seq,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
  };
}
