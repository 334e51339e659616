import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import { DisclosurePageDto, DisclosuresQuery, FlowsDto, FlowsQuery } from './disclosure.dto.js';
import { DisclosuresService } from './disclosures.service.js';

@ApiTags('disclosures')
@ApiBearerAuth()
@ApiProblems(401)
@ApiProblems({ 403: 'A role that may not use this endpoint' })
@Controller()
export class DisclosuresController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Get('applications/:id/disclosures')
  @Roles('applicant', 'admin')
  @ApiOperation({
    summary:
      "Who was shown the application's data: each task view (department, officer, fields, step) and fact lookup, newest first",
  })
  @ApiOkResponse({ type: DisclosurePageDto })
  @ApiProblems(400, 404)
  list(@CurrentCaller() caller: Caller, @IdParam() id: string, @Query() query: DisclosuresQuery) {
    return this.disclosures.listFor(caller, id, query);
  }

  @Get('disclosures/flows')
  @Roles('admin')
  @ApiOperation({
    summary: 'Disclosures and fields per (source → recipient department) pair and kind, per hour or day',
  })
  @ApiOkResponse({ type: FlowsDto })
  @ApiProblems(400)
  flows(@Query() query: FlowsQuery) {
    return this.disclosures.flows(query);
  }
}
