import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsInstant } from '../common/is-instant.decorator.js';

export class ReportQuery {
  @ApiPropertyOptional({
    description:
      'Applications submitted at or after this instant: a date (midnight UTC) or a date-time with an offset',
    example: '2026-01-01T00:00:00+08:00',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description:
      'Applications submitted before this instant: a date (midnight UTC) or a date-time with an offset',
  })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class StatusCountsDto {
  @ApiProperty() in_review: number;
  @ApiProperty() correction_requested: number;
  @ApiProperty() approved: number;
  @ApiProperty() rejected: number;
  @ApiProperty() withdrawn: number;
  @ApiProperty({ description: "Left in correction past the workflow's correctionWindow" }) lapsed: number;
}

export class ApplicationCountsDto {
  @ApiProperty({ description: 'Applications submitted in the period' })
  total: number;

  @ApiProperty({ type: StatusCountsDto })
  byStatus: StatusCountsDto;
}

export class EndToEndDto {
  @ApiProperty({ description: 'Applications approved or rejected' })
  decided: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Median seconds from submission to decision' })
  medianSeconds: number | null;

  @ApiProperty({ type: Number, nullable: true, description: '90th percentile, in seconds' })
  p90Seconds: number | null;
}

export class DepartmentReportDto {
  @ApiProperty() department: string;

  @ApiProperty({ description: 'Tasks approved, rejected or returned (every attempt counts)' })
  decided: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median seconds from a task opening to its decision',
  })
  medianDecisionSeconds: number | null;

  @ApiProperty({ description: 'Decided by an officer or a rule no later than the due time' })
  onTime: number;

  @ApiProperty({ type: Number, nullable: true, description: 'onTime / decided' })
  onTimeRate: number | null;

  @ApiProperty({ description: 'Approved on timeout (超时默认同意)' })
  deemedApprovals: number;

  @ApiProperty({ description: 'Approved by rule (秒批)' })
  ruleApprovals: number;

  @ApiProperty({ description: 'Tasks returned to the applicant for correction' })
  returns: number;

  @ApiProperty({ description: 'Ratings (好差评) of applications this department worked on' })
  ratings: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Mean score of those ratings, 1 to 5' })
  ratingAverage: number | null;
}

export class SpeedupDto {
  @ApiProperty({ description: 'Applications approved or rejected in the period' })
  decidedApplications: number;

  @ApiProperty({ description: 'Sum over them of every decided task’s actual duration: the time in series' })
  serialSeconds: number;

  @ApiProperty({ description: 'Sum over them of submission-to-decision time' })
  elapsedSeconds: number;

  @ApiProperty({ type: Number, nullable: true, description: 'serialSeconds / elapsedSeconds' })
  realised: number | null;

  @ApiProperty({ type: Number, nullable: true, description: '1 - elapsedSeconds / serialSeconds' })
  realisedCompression: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Committed serial / parallel time of the latest version',
  })
  committed: number | null;

  @ApiProperty({ description: 'Committed compression of the latest version (1 - parallel / serial)' })
  committedCompression: number;
}

export class CriticalDepartmentDto {
  @ApiProperty() department: string;

  @ApiProperty({
    description: 'Decided applications whose actual critical path runs through this department',
  })
  applications: number;

  @ApiProperty({ description: 'applications / all decided applications with a path' })
  share: number;

  @ApiProperty({ description: 'Seconds this department spent on those critical paths' })
  seconds: number;
}

export class CriticalPathDto {
  @ApiProperty({ type: [String] }) steps: string[];
  @ApiProperty() applications: number;
}

export class BottleneckDto {
  @ApiProperty({ description: 'Decided applications whose actual critical path was traced' })
  applications: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The department most often on the critical path',
  })
  department: string | null;

  @ApiProperty({ type: [CriticalDepartmentDto] })
  departments: CriticalDepartmentDto[];

  @ApiProperty({ type: [CriticalPathDto], description: 'The five most frequent actual critical paths' })
  paths: CriticalPathDto[];
}

export class WorkflowReportDto {
  @ApiProperty() workflow: string;
  @ApiProperty({ type: String, nullable: true }) from: string | null;
  @ApiProperty({ type: String, nullable: true }) to: string | null;
  @ApiProperty({ type: ApplicationCountsDto }) applications: ApplicationCountsDto;
  @ApiProperty({ type: EndToEndDto }) endToEnd: EndToEndDto;
  @ApiProperty({ type: [DepartmentReportDto] }) departments: DepartmentReportDto[];
  @ApiProperty({ type: SpeedupDto }) speedup: SpeedupDto;
  @ApiProperty({ type: BottleneckDto }) bottleneck: BottleneckDto;
}
