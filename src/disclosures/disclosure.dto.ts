import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsInstant } from '../common/is-instant.decorator.js';
import { PageQuery } from '../common/page-query.dto.js';
import { DISCLOSURE_KINDS } from './disclosure.entity.js';
import type { DisclosureKind } from './disclosure.entity.js';

export const FLOW_BUCKETS = ['hour', 'day'] as const;
export type FlowBucket = (typeof FLOW_BUCKETS)[number];

/** `limit` and `cursor`, as every list. */
export class DisclosuresQuery extends PageQuery {}

export class FlowsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Disclosures at or after this instant (default: a day before `to` for `hour`, 30 days for `day`)',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Disclosures before this instant (default: now)' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ enum: FLOW_BUCKETS, description: 'Default hour' })
  @IsOptional()
  @IsIn(FLOW_BUCKETS)
  bucket?: FlowBucket;
}

export class DisclosureActorDto {
  @ApiProperty({ enum: ['officer', 'admin', 'system'] }) role: string;
  @ApiProperty({ description: "The officer's or admin's id; `rule` for a fact lookup" }) id: string;
}

export class DisclosureDto {
  @ApiProperty({ format: 'uuid' }) id: string;

  @ApiProperty({ enum: DISCLOSURE_KINDS }) kind: DisclosureKind;

  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The department shown the fields (task view) or the host of the service asked (fact lookup); null: an admin',
  })
  department: string | null;

  @ApiProperty({ type: DisclosureActorDto }) actor: DisclosureActorDto;

  @ApiProperty({ description: 'The workflow step in whose name the data was read' }) step: string;

  @ApiProperty({
    type: [String],
    description: 'Dotted paths of the form fields disclosed; never their values',
  })
  fields: string[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: "A fact lookup's fact name; null for a task view",
  })
  fact: string | null;

  @ApiProperty({ format: 'date-time' }) at: string;
}

export class DisclosurePageDto {
  @ApiProperty({ type: [DisclosureDto], description: 'Newest first' }) items: DisclosureDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class FlowDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the hour or day (UTC)' }) bucket: string;
  @ApiProperty({ description: 'Whose data: `applicant` (the form)' }) source: string;
  @ApiProperty({ nullable: true, type: String, description: 'Department or fact host; null: admins' })
  recipient: string | null;
  @ApiProperty({ enum: DISCLOSURE_KINDS }) kind: DisclosureKind;
  @ApiProperty({ type: 'integer', description: 'Disclosures in the bucket' }) disclosures: number;
  @ApiProperty({ type: 'integer', description: 'Fields disclosed in the bucket, summed' }) fields: number;
}

export class FlowsDto {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ enum: FLOW_BUCKETS }) bucket: FlowBucket;
  @ApiProperty({ type: [FlowDto], description: 'By bucket, then source, recipient and kind' })
  items: FlowDto[];
}
