import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HistoryView } from '../audit/audit.dto.js';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ListApplicationsQuery, SubmitApplicationDto } from './application.dto.js';
import { etagOf } from './application-view.util.js';
import { ApplicationsService } from './applications.service.js';

@ApiTags('applications')
@ApiBearerAuth()
@Controller('applications')
@Roles('applicant', 'admin')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post()
  @Roles('applicant')
  @ApiOperation({ summary: 'Submit an application: it fans out to every department at once' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async submit(
    @CurrentCaller() caller: Caller,
    @Body() dto: SubmitApplicationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { status, body } = await this.applications.submit(caller, dto, idempotencyKey);
    void reply
      .status(status)
      .header('etag', etagOf(body))
      .header('location', `/api/v1/applications/${body.id}`);
    return body;
  }

  @Get()
  @ApiOperation({ summary: "The caller's own applications, newest first" })
  list(@CurrentCaller() caller: Caller, @Query() query: ListApplicationsQuery) {
    return this.applications.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The status view; If-None-Match with its ETag answers 304' })
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { etag, view } = await this.applications.getUnlessMatch(caller, id, ifNoneMatch);
    void reply.header('etag', etag);
    if (!view) {
      void reply.status(304);
      return undefined;
    }
    return view;
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('applicant')
  @ApiOperation({
    summary: 'Withdraw before the decision: open and blocked steps are cancelled; 409 once decided',
  })
  withdraw(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.applications.withdraw(caller, id);
  }

  @Get(':id/history')
  @ApiOperation({
    summary:
      'Every event of the application, hash-chained, with the chain verified and the proof of its head in the latest signed checkpoint',
  })
  @ApiOkResponse({ type: HistoryView })
  history(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.applications.historyOf(caller, id);
  }
}
