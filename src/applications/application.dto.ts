import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { FreeForm } from '../common/free-form.pipe.js';
import { CommitmentDto } from '../definitions/workflow-response.dto.js';
import { APPLICATION_STATUSES } from '../engine/workflow-machine.util.js';

export class SubmitApplicationDto {
  @ApiProperty({
    example: 'open-restaurant',
    description:
      'Key of the workflow; its latest version is used. A key no workflow has (however spelt) is a 404',
  })
  // Any string: the contract answers an unknown workflow with 404, and a string no key could be is one.
  @IsString()
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

export class ResubmitApplicationDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'A JSON merge patch (RFC 7396) of the application data: members replace, `null` removes; the result ' +
      'must match the form of the version the application is pinned to',
    example: { floorPlan: 'https://files.example/plan-v2.pdf' },
  })
  @IsObject()
  // Not only for speed, as on submission: class-transformer leaves out members named like Object.prototype's
  // (`constructor`, `toString`), so without it a correction lost them before the form could refuse them.
  @FreeForm()
  data: Record<string, unknown>;
}

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

export class WorkflowRefDto {
  @ApiProperty() key: string;
  @ApiProperty({ type: 'integer' }) version: number;
}

export class StepViewDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() department: string;
  @ApiProperty({ enum: ['blocked', 'open', 'approved', 'rejected', 'returned', 'skipped', 'cancelled'] })
  status: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) openedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)',
    example: '2026-12-04T23:59:59.999+08:00',
  })
  dueAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({ enum: ['officer', 'rule', 'timeout'], nullable: true, type: String }) decidedBy:
    string | null;
  @ApiProperty() overdue: boolean;
  @ApiProperty() reminded: boolean;
  @ApiProperty() dueBeyondCalendar: boolean;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
}

export class CorrectionDto {
  @ApiProperty({ description: 'The step that returned the application' }) step: string;
  @ApiProperty() department: string;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ type: [String], description: 'Form fields to correct' }) fields: string[];
}

export class WaitingIntervalDto {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'null while waiting' })
  to: string | null;
}

export class WaitingForApplicantDto {
  @ApiProperty({ description: 'True while the application awaits correction' }) waiting: boolean;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Start of the wait under way',
  })
  since: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the application lapses unless corrected (`correctionWindow`)',
  })
  lapsesAt: string | null;
  @ApiProperty({
    description: 'Seconds spent waiting in the stretches that have ended; counted against no department',
  })
  seconds: number;
  @ApiProperty({ type: [WaitingIntervalDto] }) intervals: WaitingIntervalDto[];
}

/** The applicant's status view (API.md). */
export class ApplicationViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: WorkflowRefDto }) workflow: WorkflowRefDto;
  @ApiProperty({ enum: APPLICATION_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'The latest due time along what is left of the critical path. In the wall-clock time of the workflow calendar, with its offset (UTC without a calendar)',
    example: '2026-12-04T23:59:59.999+08:00',
  })
  expectedBy: string | null;
  @ApiProperty({
    type: CommitmentDto,
    description:
      "What the departments committed to for this application: the workflow's analysis over the steps it takes. A step it skipped holds nothing up, so where one lay on the workflow's critical path, this application's runs elsewhere",
  })
  commitment: CommitmentDto;
  @ApiProperty({ type: 'integer' }) revision: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) produced: Record<string, unknown>;
  @ApiProperty({ type: [StepViewDto] }) steps: StepViewDto[];
  @ApiProperty({
    type: [CorrectionDto],
    description:
      'Every correction request together, one per returned step, once no department is still reviewing',
  })
  corrections: CorrectionDto[];
  @ApiProperty({ type: WaitingForApplicantDto }) waitingForApplicant: WaitingForApplicantDto;
}

export class ApplicationPageDto {
  @ApiProperty({ type: [ApplicationViewDto] }) items: ApplicationViewDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass back as ?cursor= for the next page; null when there is none',
  })
  nextCursor: string | null;
}
