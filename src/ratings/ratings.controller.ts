import { ApiProblems } from '../common/api-problems.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { RateDto, RatingDto, RatingsQuery, RatingsReportDto } from './rating.dto.js';
import { RatingsService } from './ratings.service.js';

@ApiTags('ratings')
@ApiBearerAuth()
@ApiProblems(401)
@ApiProblems({ 403: 'A role that may not use this endpoint' })
@Controller()
export class RatingsController {
  constructor(private readonly ratings: RatingsService) {}

  @Post('applications/:id/rating')
  @Roles('applicant')
  @ApiOperation({ summary: 'Rate a decided application once, 1 (poor) to 5 (good) (好差评)' })
  @ApiCreatedResponse({ type: RatingDto })
  @ApiProblems(400)
  @ApiProblems(404)
  @ApiProblems({ 409: 'Not decided yet, or already rated' })
  rate(@CurrentCaller() caller: Caller, @IdParam() id: string, @Body() dto: RateDto) {
    return this.ratings.rate(caller, id, dto);
  }

  @Get('ratings')
  @Roles('admin')
  @ApiOperation({ summary: 'Rating counts and averages, overall and per department' })
  @ApiOkResponse({ type: RatingsReportDto })
  @ApiProblems({ 400: 'from or to is not a date or a date-time with an offset, or to <= from' })
  report(@Query() query: RatingsQuery) {
    return this.ratings.report(query);
  }
}
