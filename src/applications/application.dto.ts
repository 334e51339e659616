import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { FreeForm } from '../common/free-form.pipe.js';

export class SubmitApplicationDto {
  @ApiProperty({ example: 'open-restaurant', description: 'Key of the workflow; its latest version is used' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,63}$/, { message: 'workflow must be a workflow key' })
  workflow: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Data matching the workflow's form",
  })
  @IsObject()
  @FreeForm()
  data: Record<string, unknown>;
}

export const APPLICATION_STATUSES = [
  'in_review',
  'correction_requested',
  'approved',
  'rejected',
  'withdrawn',
] as const;

export class ListApplicationsQuery {
  @ApiPropertyOptional({ enum: APPLICATION_STATUSES })
  @IsOptional()
  @IsIn(APPLICATION_STATUSES)
  status?: (typeof APPLICATION_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Page size, 1 to 100 (default 20)' })
  @IsOptional()
  @Matches(/^([1-9]|[1-9]\d|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
