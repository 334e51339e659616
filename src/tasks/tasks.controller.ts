import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import { DecisionDto, InboxQuery, SignersDto, TaskPageDto, TaskViewDto, TransferDto } from './task.dto.js';
import { TasksService } from './tasks.service.js';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
@Roles('officer', 'admin')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: "The department's inbox, most urgent due time first" })
  @ApiOkResponse({ type: TaskPageDto, description: '{ items: [task view], nextCursor }' })
  @ApiProblems(400, 401, 403)
  inbox(@CurrentCaller() caller: Caller, @Query() query: InboxQuery) {
    return this.tasks.inbox(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task, with only the form fields its step may see' })
  @ApiOkResponse({ type: TaskViewDto, description: 'The task view' })
  @ApiProblems(401, 403, 404)
  get(@CurrentCaller() caller: Caller, @IdParam() id: string) {
    return this.tasks.get(caller, id);
  }

  @Post(':id/decision')
  @Roles('officer')
  @ApiOperation({ summary: 'Approve or reject an open task; 409 when it is no longer open' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({
    type: TaskViewDto,
    description: 'The task view after the decision (200, not 201: a decision creates nothing)',
  })
  @ApiProblems(
    400,
    401,
    403,
    404,
    {
      409:
        'The task is not open, this officer already signed, another officer holds it, the approval produces other ' +
        'values than an earlier countersignature gave, or the Idempotency-Key was used with another body',
    },
    413,
    415,
  )
  async decide(
    @CurrentCaller() caller: Caller,
    @IdParam() id: string,
    @Body() dto: DecisionDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { status, body } = await this.tasks.decide(caller, id, dto, idempotencyKey);
    void reply.status(status);
    return body;
  }

  @Post(':id/claim')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({
    summary: 'Claim an open task: colleagues see who holds it; 409 when another officer holds it',
  })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiProblems(401, 403, 404, {
    409: 'The task is not open, another officer holds it, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS)',
  })
  claim(@CurrentCaller() caller: Caller, @IdParam() id: string) {
    return this.tasks.claim(caller, id);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a claim: only its holder or an admin' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiProblems(401, 403, 404, {
    409: 'The task is not open, not claimed, held by another officer, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS)',
  })
  release(@CurrentCaller() caller: Caller, @IdParam() id: string) {
    return this.tasks.release(caller, id);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Transfer (转办) an open task to a named officer of its department, who then holds it',
  })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiProblems(400, 401, 403, 404, {
    409: 'The task is not open, is held by another officer, that officer already holds it, or officers have claimed, released and transferred it 100 times (MAX_TOOLBOX_ACTS)',
  })
  transfer(@CurrentCaller() caller: Caller, @IdParam() id: string, @Body() dto: TransferDto) {
    return this.tasks.transfer(caller, id, dto);
  }

  @Post(':id/signers')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({
    summary:
      "Add a signer (加签): raise this application's required signatures for the step; never lower them. " +
      'While the task is claimed, only its holder may',
  })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiProblems(400, 401, 403, 404, {
    409: 'The task is not open, is held by another officer, or already requires that many signatures',
  })
  addSigners(@CurrentCaller() caller: Caller, @IdParam() id: string, @Body() dto: SignersDto) {
    return this.tasks.addSigners(caller, id, dto);
  }
}
