import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../common/page-query.dto.js';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { FreeForm } from '../common/free-form.pipe.js';
import { PUBLISHED_VISIBLE, VISIBLE } from '../common/text.util.js';

export const DECISION_OUTCOMES = ['approve', 'reject', 'return'] as const;

export class DecisionDto {
  @ApiProperty({
    enum: DECISION_OUTCOMES,
    description:
      '`return`: back to the applicant for correction, with `comment` and the form `fields` to correct',
  })
  @IsIn(DECISION_OUTCOMES, { message: 'outcome must be approve, reject or return' })
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

  @ApiPropertyOptional({
    type: [String],
    description:
      'Form fields to correct, as dotted paths of the form, among those the step sees (return only, at least one)',
    example: ['floorPlan'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  fields?: string[];
}

export class TransferDto {
  @ApiProperty({
    description: 'The officer of the same department who is to hold the task; not blank',
    example: 'bob',
    minLength: 1,
    maxLength: 200,
    pattern: PUBLISHED_VISIBLE,
  })
  @IsString()
  @Matches(VISIBLE, { message: 'officer must not be blank' })
  @MaxLength(200)
  officer: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class SignersDto {
  @ApiProperty({
    type: 'integer',
    minimum: 2,
    maximum: 50,
    description: 'Signatures this step now requires for this application; only ever raised',
  })
  @IsInt()
  @Min(2)
  @Max(50)
  required: number;
}

export const TASK_STATUSES = ['open', 'approved', 'rejected', 'returned', 'cancelled'] as const;

export class InboxQuery extends PageQuery {
  @ApiPropertyOptional({
    description:
      "Page size, 1 to 100 (default 50); a page holds no more than the smallest read quota of the caller's " +
      'departments, and nextCursor carries the rest',
  })
  override limit?: string = undefined;

  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'Default open' })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: only overdue tasks; false: only tasks not overdue',
  })
  @IsOptional()
  // Not @IsBooleanString: it takes "1" and "0", which the service would have read as false and true.
  @IsIn(['true', 'false'], { message: 'overdue must be true or false' })
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'true: only tasks whose autoApprove rule reads facts and has not spoken yet (kept out of the inbox ' +
      'until then); false or absent: the inbox without them',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'rulePending must be true or false' })
  rulePending?: 'true' | 'false';

  @ApiPropertyOptional({
    enum: ['mine', 'none'],
    description: 'mine: tasks the caller holds; none: unclaimed',
  })
  @IsOptional()
  @IsIn(['mine', 'none'])
  claimed?: 'mine' | 'none';

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{1,63}$/, { message: 'workflow must be a workflow key' })
  workflow?: string;
}

export class SignoffDto {
  @ApiProperty() officer: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class TaskWorkflowRefDto {
  @ApiProperty() key: string;
  @ApiProperty({ type: 'integer' }) version: number;
}

/** The task view (API.md), as the department sees one step of one application. */
export class TaskViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ type: TaskWorkflowRefDto }) workflow: TaskWorkflowRefDto;
  @ApiProperty() step: string;
  @ApiProperty() name: string;
  @ApiProperty() department: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({
    format: 'date-time',
    description: 'In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)',
    example: '2026-12-04T23:59:59.999+08:00',
  })
  dueAt: string;
  @ApiProperty() dueBeyondCalendar: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) remindAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({ enum: ['officer', 'rule', 'timeout'], nullable: true, type: String }) decidedBy:
    string | null;
  @ApiProperty({ nullable: true, type: String }) decidedByOfficer: string | null;
  @ApiProperty() overdue: boolean;
  @ApiProperty() reminded: boolean;
  @ApiProperty({ type: 'integer' }) attempt: number;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ type: [SignoffDto] }) signoffs: SignoffDto[];
  @ApiProperty({
    type: 'integer',
    description: "The step's signoff, or more where raised for this application",
  })
  signoffRequired: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The officer holding the task (claim or transfer)',
  })
  claimedBy: string | null;
  @ApiProperty({ type: [String] }) produces: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Only the form fields the step's `fields` grant",
  })
  data: Record<string, unknown>;
}

export class TaskPageDto {
  @ApiProperty({ type: [TaskViewDto] }) items: TaskViewDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
