import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { PageQuery } from '../common/page-query.dto.js';
import { isHistoryType } from '../engine/history-types.util.js';
import { webhookUrlShapeProblem } from './webhook-delivery.util.js';

/** An absolute http(s) URL without credentials; whether its host is allowed, the service checks. */
function IsWebhookUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isWebhookUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && webhookUrlShapeProblem(value) === null,
      defaultMessage: (args) =>
        `url ${typeof args?.value === 'string' ? webhookUrlShapeProblem(args.value) : 'must be a string'}`,
    },
  });
}

/** `["*"]`, or event types without `"*"`: a `"*"` among types would read as every event and as those alone. */
function StarStandsAlone(): PropertyDecorator {
  return ValidateBy({
    name: 'starStandsAlone',
    validator: {
      validate: (value: unknown) => !(Array.isArray(value) && value.includes('*') && value.length > 1),
      defaultMessage: () => 'events: "*" already means every event, and stands alone',
    },
  });
}

/**
 * `"*"` or history entry types the engine writes: a misspelt type would otherwise be a subscription that never
 * delivers anything, found out only when a receiver misses its events.
 */
function KnownEventTypes(): PropertyDecorator {
  const unknown = (value: unknown) =>
    Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string' && v !== '*' && !isHistoryType(v))
      : [];
  return ValidateBy({
    name: 'knownEventTypes',
    validator: {
      validate: (value: unknown) => unknown(value).length === 0,
      defaultMessage: (args) =>
        `events: each must be "*" or a history entry type; not ${unknown(args?.value)
          .slice(0, 5)
          .map((v) => JSON.stringify(v.slice(0, 64)))
          .join(', ')}`,
    },
  });
}

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://portal.example/hooks/approvals', description: 'On WEBHOOK_ALLOWED_HOSTS' })
  @IsString()
  @MaxLength(2000)
  @IsWebhookUrl()
  url: string;

  @ApiProperty({
    type: [String],
    example: ['step_opened', 'application_approved'],
    description:
      'History entry types to deliver (each one the service writes, as docs/history-events.md lists them), or ["*"] for every event',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @StarStandsAlone()
  @IsString({ each: true })
  @KnownEventTypes()
  events: string[];

  @ApiPropertyOptional({ description: 'Only applications of this workflow key' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'workflow must be a workflow key' })
  workflow?: string;
}

/** `limit` and `cursor`, as every list. */
export class DeliveriesQuery extends PageQuery {}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  url: string;

  @ApiProperty({ type: [String] })
  events: string[];

  @ApiProperty({ nullable: true, type: String })
  workflow: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({
    description: 'Standard Webhooks signing secret (whsec_…); verify webhook-signature with it',
  })
  secret: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] })
  items: WebhookDto[];
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header of every attempt' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  subscriptionId: string;

  @ApiProperty({ format: 'uuid' })
  applicationId: string;

  @ApiProperty({ description: 'History sequence number of the event' })
  seq: number;

  @ApiProperty()
  eventType: string;

  @ApiProperty({ enum: ['pending', 'delivered'] })
  status: string;

  @ApiProperty()
  attempts: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastAttemptAt: string | null;

  @ApiProperty({ nullable: true, type: Number, description: 'HTTP status of the last attempt' })
  lastStatus: number | null;

  @ApiProperty({ nullable: true, type: String })
  lastError: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  deliveredAt: string | null;

  @ApiProperty({ format: 'date-time', description: 'When the sweep may next try a pending delivery' })
  nextAttemptAt: string;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryDto] })
  items: DeliveryDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor: string | null;
}
