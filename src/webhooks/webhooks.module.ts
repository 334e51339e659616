import { Module } from '@nestjs/common';
import { NotifyModule } from '../notify/notify.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { WebhookDispatchService } from './webhook-dispatch.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [NotifyModule, QueueModule],
  controllers: [WebhooksController],
  providers: [WebhookDispatchService, WebhooksService],
})
export class WebhooksModule {}
