import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FieldErrorDto } from '../common/problem.dto.js';
import { WorkflowDefinitionDto } from './definition.dto.js';
import type {
  Analysis,
  Commitment,
  DependencyEdge,
  Handoff,
  RedundantAfter,
  WorkflowDefinition,
} from './definition.types.js';

/**
 * The answers of /workflows: the shapes of definition.types.ts (Analysis and its parts), for the OpenAPI document
 * (and an application view's `commitment`).
 * Each `implements` its type, so a field added there fails to compile until it is described here.
 */

export class DependencyEdgeDto implements DependencyEdge {
  @ApiProperty({ example: 'fire-safety' }) from: string;
  @ApiProperty({ example: 'business-licence' }) to: string;
  @ApiProperty({
    type: [String],
    description: 'Values `from` produces that `to` needs: the data that forces it',
  })
  values: string[];
  @ApiProperty({ description: "The edge is (also) declared in `to`'s `after`" }) declared: boolean;
}

export class HandoffDto implements Handoff {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({
    description: 'False when `to` never waits for `from`: the hand-off is dropped, both run in parallel',
  })
  kept: boolean;
  @ApiProperty({ type: [String], description: 'The values flowing directly from `from` to `to`' })
  values: string[];
  @ApiProperty() declared: boolean;
  @ApiProperty({
    type: [String],
    description:
      'The chain of prerequisites that keeps the hand-off (`[from, to]` when direct); empty when dropped',
  })
  via: string[];
}

export class RedundantAfterDto implements RedundantAfter {
  @ApiProperty({ description: 'JSON path of the `after` entry', example: '$.steps[3].after[0]' })
  path: string;
  @ApiProperty() step: string;
  @ApiProperty() after: string;
  @ApiProperty({ type: [String], description: 'Non-empty when the `after` duplicates a data dependency' })
  values: string[];
  @ApiProperty({ type: [String], description: 'The chain that implies it' }) via: string[];
}

/** In a workflow's analysis every step is taken; in an application's view, every step it did not skip. */
export class CommitmentDto implements Commitment {
  @ApiProperty({
    enum: ['workingDays', 'seconds'],
    description:
      'Unit of `serial` and `parallel`: workingDays when every limit taken is in working days, else seconds',
  })
  unit: 'workingDays' | 'seconds';
  @ApiProperty({ description: 'Sum of the limits of the steps taken: the serial process', example: 40 })
  serial: number;
  @ApiProperty({ description: 'Length of the critical path: the parallel process', example: 15 })
  parallel: number;
  @ApiProperty({
    description:
      'The share of serial time the parallel process saves: 1 - parallel / serial, to four decimals (0 when serial is 0)',
    example: 0.625,
  })
  compression: number;
  @ApiProperty({
    type: [String],
    description: 'Step ids of the longest chain of committed limits, first step first',
  })
  criticalPath: string[];
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Present when working days mix with other units: the instant the first steps are taken to open',
  })
  referenceInstant?: string;
}

export class AnalysisDto extends CommitmentDto implements Analysis {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: "Each step's resolved prerequisites: `after` plus the producers of what it `needs`",
  })
  dependencies: Record<string, string[]>;
  @ApiProperty({ type: [DependencyEdgeDto], description: 'The minimal dependency graph' })
  edges: DependencyEdgeDto[];
  @ApiProperty({ type: [HandoffDto], description: 'Each hand-off of the old serial order: kept, or dropped' })
  handoffs: HandoffDto[];
  @ApiProperty({
    type: [RedundantAfterDto],
    description: 'Declared `after` entries another dependency implies',
  })
  redundant: RedundantAfterDto[];
}

/** Present only when there is something to say, so a body is the contract's own in the usual case. */
const WARNINGS =
  'Present only when not empty: what this deployment will make of a valid definition without refusing it, each with its JSON path. A fact on a host outside FACTS_ALLOWED_HOSTS: every lookup of it fails, so a rule reading it never holds and its step is left to officers';

export class WorkflowRegistrationDto {
  @ApiProperty({ example: 'open-restaurant' }) key: string;
  @ApiProperty({ type: 'integer', example: 1 }) version: number;
  @ApiProperty({ type: AnalysisDto }) analysis: AnalysisDto;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: WARNINGS }) warnings?: FieldErrorDto[];
}

export class WorkflowCheckDto {
  @ApiProperty({ description: 'True when the document would register' }) valid: boolean;
  @ApiProperty({ type: [FieldErrorDto], description: 'Every problem, with its JSON path; empty when valid' })
  errors: FieldErrorDto[];
  @ApiPropertyOptional({ type: [FieldErrorDto], description: WARNINGS }) warnings?: FieldErrorDto[];
  @ApiProperty({
    type: AnalysisDto,
    nullable: true,
    description: 'null when the document is not a valid definition',
  })
  analysis: AnalysisDto | null;
}

export class WorkflowSummaryDto {
  @ApiProperty({ example: 'open-restaurant' }) key: string;
  @ApiProperty({ example: 'Open a restaurant' }) name: string;
  @ApiProperty({ type: 'integer', description: 'The latest version', example: 2 }) version: number;
}

export class WorkflowVersionDto {
  @ApiProperty({ example: 'open-restaurant' }) key: string;
  @ApiProperty({ type: 'integer', example: 2 }) version: number;
  @ApiProperty({ example: 'Open a restaurant' }) name: string;
  @ApiProperty({ type: WorkflowDefinitionDto, description: 'The definition as registered' })
  definition: WorkflowDefinition;
  @ApiProperty({ type: AnalysisDto }) analysis: AnalysisDto;
}
