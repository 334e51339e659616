import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HistoryView } from '../audit/audit.dto.js';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import {
  ApplicationPageDto,
  ApplicationViewDto,
  ListApplicationsQuery,
  ResubmitApplicationDto,
  SubmitApplicationDto,
} from './application.dto.js';
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
  @ApiCreatedResponse({
    type: ApplicationViewDto,
    description: 'The application view (a replayed Idempotency-Key answers the first response again)',
    headers: {
      ETag: { description: 'The ETag of this revision', schema: { type: 'string' } },
      Location: { description: 'Where the application is', schema: { type: 'string' } },
    },
  })
  @ApiProblems(
    {
      400:
        "Invalid input: every problem listed with its JSON path (up to 100); `data` that would take the form's patterns " +
        'too long to check is refused with one problem at `$.data`',
    },
    401,
    403,
    { 404: 'No such workflow' },
    { 409: 'Idempotency-Key reused with another body' },
    413,
    415,
  )
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
  @ApiOkResponse({ type: ApplicationPageDto })
  @ApiProblems(400, 401, 403)
  list(@CurrentCaller() caller: Caller, @Query() query: ListApplicationsQuery) {
    return this.applications.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The status view; If-None-Match with its ETag answers 304' })
  @ApiOkResponse({
    type: ApplicationViewDto,
    description: 'The application view, with its ETag',
    headers: { ETag: { description: 'Derived from the revision', schema: { type: 'string' } } },
  })
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The ETag last seen: 304 while unchanged; `*` names any current one, so always 304',
  })
  @ApiNotModifiedResponse({ description: 'If-None-Match named the current ETag, or was `*`' })
  @ApiProblems(401, 403, 404)
  async get(
    @CurrentCaller() caller: Caller,
    @IdParam() id: string,
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

  @Post(':id/resubmit')
  @Roles('applicant')
  @ApiOperation({
    summary:
      'Resubmit after a return for correction: a JSON merge patch of data; reopens the returned steps and the ' +
      'approved steps that read a changed value; 409 unless the application awaits correction',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: ApplicationViewDto })
  @ApiProblems(
    {
      400:
        'Invalid input: every problem listed with its JSON path (up to 100). The stored data with the patch merged in must ' +
        'match the form and stay within the limits of one request body (JSON_MAX_*, BODY_LIMIT_BYTES)',
    },
    401,
    403,
    404,
    {
      409: 'The application is not awaiting correction, or the Idempotency-Key was used with another request',
    },
  )
  async resubmit(
    @CurrentCaller() caller: Caller,
    @IdParam() id: string,
    @Body() dto: ResubmitApplicationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { status, body } = await this.applications.resubmit(caller, id, dto, idempotencyKey);
    void reply.status(status).header('etag', etagOf(body));
    return body;
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('applicant')
  @ApiOperation({
    summary: 'Withdraw before the decision: open and blocked steps are cancelled; 409 once decided',
  })
  @ApiOkResponse({ type: ApplicationViewDto, description: 'The application view, withdrawn' })
  @ApiProblems(401, 403, 404, { 409: 'The application is already decided' })
  withdraw(@CurrentCaller() caller: Caller, @IdParam() id: string) {
    return this.applications.withdraw(caller, id);
  }

  @Get(':id/history')
  @ApiOperation({
    summary:
      'Every event of the application, hash-chained, with the chain verified and the proof of its head in the latest signed checkpoint',
  })
  @ApiOkResponse({ type: HistoryView })
  @ApiProblems(401, 403, 404)
  history(@CurrentCaller() caller: Caller, @IdParam() id: string) {
    return this.applications.historyOf(caller, id);
  }
}
