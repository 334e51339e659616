import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainException } from '../common/domain.exception.js';
import type { FieldError } from '../common/domain.exception.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import type { Duration } from '../definitions/definition.types.js';
import { CalendarSummaryDto, DueQuery, DueTimeDto } from './calendar.dto.js';
import { CalendarService } from './calendar.service.js';
import { instantInZone } from './calendar.util.js';

const UNITS = ['workingDays', 'hours', 'minutes', 'seconds'] as const;

@ApiTags('calendars')
@ApiBearerAuth()
@Controller('calendars')
export class CalendarController {
  constructor(private readonly calendars: CalendarService) {}

  @Get()
  @ApiOperation({ summary: 'The business calendars, with how far their holiday data reaches' })
  @ApiOkResponse({ type: [CalendarSummaryDto] })
  @ApiProblems(401)
  list(): CalendarSummaryDto[] {
    return this.calendars.list();
  }

  @Get(':name/due')
  @ApiOperation({ summary: 'The due time a step opened at `from` would get' })
  @ApiOkResponse({ type: DueTimeDto })
  @ApiProblems(400, 401, { 404: 'No such calendar' })
  due(@Param('name') name: string, @Query() query: DueQuery): DueTimeDto {
    const given = UNITS.filter((unit) => query[unit] !== undefined);
    const from = new Date(query.from);
    // Every problem of the query in one answer, as everywhere else.
    const errors: FieldError[] = [];
    if (given.length !== 1) {
      errors.push({
        path: '$.workingDays',
        message: 'exactly one of workingDays, hours, minutes or seconds is required',
      });
    }
    if (Number.isNaN(from.getTime()) || !isRealDate(query.from)) {
      errors.push({ path: '$.from', message: 'is not a real date-time' });
    }
    if (errors.length > 0) {
      throw DomainException.invalid(
        given.length !== 1
          ? 'Give exactly one of workingDays, hours, minutes or seconds'
          : 'from is not a real date',
        errors,
      );
    }
    const unit = given[0]!;
    const limit: Duration = { [unit]: Number(query[unit]) };
    const { dueAt, beyondData } = this.calendars.due(name, from, limit, 'a due time asked for');
    return { dueAt: instantInZone(dueAt, this.calendars.get(name).timeZone), beyondData };
  }
}

/** The DTO's pattern lets 31 February through; a real date survives a round trip through Date.UTC. */
function isRealDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}
