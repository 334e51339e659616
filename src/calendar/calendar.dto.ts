import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

const COUNT = /^[1-9]\d{0,6}$/;
/** Years 1900–2999 only: calendars hold no data beyond, and JavaScript dates end at 275760. */
/** A date-time with an offset, written as the rest of the API reads instants (a space for `T`, `+0800`). */
const FROM =
  /^(19|2\d)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/i;
const COUNT_MESSAGE = 'must be a positive integer';
/** Up to MAX_WORKING_DAYS (about 40 years): beyond that the count is refused, not looped through. */
const WORKING_DAYS = /^([1-9]\d{0,3}|10000)$/;

export class DueQuery {
  @ApiProperty({
    description: 'When the step opens (ISO-8601 with an offset)',
    example: '2026-09-30T10:00:00+08:00',
  })
  // RFC 3339 with an explicit offset: without one the answer would depend on the server's time zone.
  @Matches(FROM, {
    message: 'from must be an ISO-8601 date-time with an offset, e.g. 2026-09-30T10:00:00+08:00',
  })
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

export class CalendarSummaryDto {
  @ApiProperty({ example: 'cn-mainland' }) name: string;
  @ApiProperty({ description: 'IANA time zone its days are counted in', example: 'Asia/Shanghai' })
  timeZone: string;
  @ApiProperty({ format: 'date', description: 'First day its holiday data covers', example: '2024-01-01' })
  coversFrom: string;
  @ApiProperty({ format: 'date', description: 'Last day its holiday data covers', example: '2026-12-31' })
  coversUntil: string;
}

export class DueTimeDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-10-12T23:59:59.999+08:00',
    description: "In the calendar's own wall-clock time, with its offset",
  })
  dueAt: string;
  @ApiProperty({
    description: "True when the count ran past the calendar's holiday data (weekends only there)",
  })
  beyondData: boolean;
}
