import { ApiProblems } from '../common/api-problems.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryDto,
  DeliveryListDto,
  WebhookListDto,
} from './webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiProblems(401)
@ApiProblems({ 403: 'Not an admin' })
@Controller('webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL (on WEBHOOK_ALLOWED_HOSTS) to application and task events' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiProblems(400)
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(caller, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Every subscription (without secrets)' })
  @ApiOkResponse({ type: WebhookListDto })
  list() {
    return this.webhooks.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe; its pending deliveries are dropped' })
  @ApiNoContentResponse()
  @ApiProblems(404)
  remove(@IdParam() id: string) {
    return this.webhooks.remove(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log of a subscription, newest first' })
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiProblems(404)
  @ApiProblems(400)
  deliveries(@IdParam() id: string, @Query() query: DeliveriesQuery) {
    return this.webhooks.deliveries(id, query);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again (same webhook-id and body)' })
  @ApiAcceptedResponse({ type: DeliveryDto })
  @ApiProblems(404)
  redeliver(@IdParam() id: string, @IdParam('deliveryId') deliveryId: string) {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
