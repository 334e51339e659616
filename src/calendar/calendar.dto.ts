import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';

const COUNT = /^[1-9]\d{0,6}$/;
const COUNT_MESSAGE = 'must be a positive integer';
/** Up to MAX_WORKING_DAYS (about 40 years): beyond that the count is refused, not looped through. */
const WORKING_DAYS = /^([1-9]\d{0,3}|10000)$/;

export class DueQuery {
  @ApiProperty({
    description: 'When the step opens (ISO-8601 with an offset)',
    example: '2026-09-30T10:00:00+08:00',
  })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(WORKING_DAYS, { message: 'workingDays must be an integer from 1 to 10000' })
  workingDays?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(COUNT, { message: `hours ${COUNT_MESSAGE}` })
  hours?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(COUNT, { message: `minutes ${COUNT_MESSAGE}` })
  minutes?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(COUNT, { message: `seconds ${COUNT_MESSAGE}` })
  seconds?: string;
}
