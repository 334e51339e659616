import { ApiProblems } from '../common/api-problems.decorator.js';
import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { HistoryEventDto } from './live.dto.js';
import { LiveService } from './live.service.js';
import { parseLastEventId } from './sse.util.js';

@ApiTags('live')
@ApiBearerAuth()
@ApiProduces('text/event-stream')
@ApiProblems({ 401: 'No valid bearer token' })
@Controller()
export class LiveController {
  constructor(private readonly live: LiveService) {}

  @Get('applications/:id/events')
  @Roles('applicant', 'admin')
  @ApiOperation({
    summary:
      'Server-sent events: one event per history entry (id = seq), heartbeats, an `end` event and close once decided',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this history seq' })
  @ApiOkResponse({
    type: HistoryEventDto,
    description: 'text/event-stream; each event data is one history entry',
  })
  @ApiNoContentResponse({ description: 'Decided, and the client has seen every event: do not reconnect' })
  @ApiProblems(404)
  async application(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = parseLastEventId(lastEventId);
    if ((await this.live.openApplication(caller, id, after)) === 'done') {
      await reply.status(204).send();
      return;
    }
    reply.hijack();
    await this.live.streamApplication(id, after, reply.raw);
  }

  @Get('tasks/events')
  @Roles('officer', 'admin')
  @ApiOperation({
    summary:
      "Server-sent events for the department's inbox: a `task` event with the task view on every change",
  })
  @ApiOkResponse({ description: 'text/event-stream of `ready`, `task` (task view) and `resync` events' })
  async inbox(@CurrentCaller() caller: Caller, @Res() reply: FastifyReply): Promise<void> {
    reply.hijack();
    await this.live.streamInbox(caller, reply.raw);
  }
}
