import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainException } from '../common/domain.exception.js';
import { parseInstant } from '../common/instant.util.js';
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
    const from = parseInstant(query.from);
    // Every problem of the query in one answer, as everywhere else.
    const errors: FieldError[] = [];
    if (given.length !== 1) {
      errors.push({
        path: '$.workingDays',
        message: 'exactly one of workingDays, hours, minutes or seconds is required',
      });
    }
    if (from === null) {
      errors.push({ path: '$.from', message: 'is not a real date-time' });
    }
    if (errors.length > 0 || from === null) {
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
