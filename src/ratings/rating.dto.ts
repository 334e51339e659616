import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsInstant } from '../common/is-instant.decorator.js';

export class RateDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: '1 (poor) to 5 (good)' })
  @IsInt()
  @Min(1)
  @Max(5)
  score: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class RatingsQuery {
  @ApiPropertyOptional({ description: 'Only applications of this workflow key' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'workflow must be a workflow key' })
  workflow?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Ratings given at or after this instant' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Ratings given before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class RatingDto {
  @ApiProperty({ format: 'uuid' })
  applicationId: string;

  @ApiProperty()
  score: number;

  @ApiProperty({ nullable: true, type: String })
  comment: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class RatingSummaryDto {
  @ApiProperty()
  count: number;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Mean score, two decimals; null without ratings',
  })
  average: number | null;
}

export class DepartmentRatingDto extends RatingSummaryDto {
  @ApiProperty()
  department: string;
}

export class RatingsReportDto {
  @ApiProperty({ nullable: true, type: String })
  workflow: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  from: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  to: string | null;

  @ApiProperty({ type: RatingSummaryDto })
  overall: RatingSummaryDto;

  @ApiProperty({
    type: [DepartmentRatingDto],
    description:
      'Each rating counts for every department that worked on the application (skipped steps do not)',
  })
  departments: DepartmentRatingDto[];
}
