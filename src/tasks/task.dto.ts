import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsBooleanString,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { FreeForm } from '../common/free-form.pipe.js';

export const DECISION_OUTCOMES = ['approve', 'reject'] as const;

export class DecisionDto {
  @ApiProperty({ enum: DECISION_OUTCOMES })
  @IsIn(DECISION_OUTCOMES, { message: 'outcome must be approve or reject' })
  outcome: (typeof DECISION_OUTCOMES)[number];

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Values the step declares in produces',
  })
  @IsOptional()
  @IsObject()
  @FreeForm()
  produces?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Form fields to correct (return only)' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  fields?: string[];
}

export const TASK_STATUSES = ['open', 'approved', 'rejected', 'returned', 'cancelled'] as const;

export class InboxQuery {
  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'Default open' })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({ description: 'true: only overdue tasks; false: only tasks not overdue' })
  @IsOptional()
  @IsBooleanString()
  overdue?: string;

  @ApiPropertyOptional({
    description:
      'true: only tasks whose autoApprove rule reads facts and has not spoken yet (kept out of the inbox ' +
      'until then); false or absent: the inbox without them',
  })
  @IsOptional()
  @IsBooleanString()
  rulePending?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,63}$/, { message: 'workflow must be a workflow key' })
  workflow?: string;

  @ApiPropertyOptional({ description: 'Page size, 1 to 100 (default 50)' })
  @IsOptional()
  @Matches(/^([1-9]|[1-9]\d|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;
}
