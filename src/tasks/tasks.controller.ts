import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { DecisionDto, InboxQuery } from './task.dto.js';
import { TasksService } from './tasks.service.js';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
@Roles('officer', 'admin')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: "The department's inbox, most urgent due time first" })
  inbox(@CurrentCaller() caller: Caller, @Query() query: InboxQuery) {
    return this.tasks.inbox(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task, with only the form fields its step may see' })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.tasks.get(caller, id);
  }

  @Post(':id/decision')
  @Roles('officer')
  @ApiOperation({ summary: 'Approve or reject an open task; 409 when it is no longer open' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async decide(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: DecisionDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { status, body } = await this.tasks.decide(caller, id, dto, idempotencyKey);
    void reply.status(status);
    return body;
  }
}
