import { ApiProblems } from '../common/api-problems.decorator.js';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ApiEventStream } from '../common/api-event-stream.decorator.js';
import { IdParam } from '../common/id-param.decorator.js';
import { TaskViewDto } from '../tasks/task.dto.js';
import { HistoryEventDto, InboxReadyDto, InboxResyncDto, StreamEndDto, TaskWithheldDto } from './live.dto.js';
import { LiveService } from './live.service.js';
import { parseLastEventId } from './sse.util.js';

@ApiTags('live')
@ApiBearerAuth()
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
  @ApiEventStream({
    description:
      'One event per history entry; the `data` of each is a HistoryEventDto, its `id` the seq. The stream ends ' +
      "when the caller's token stops being accepted: reconnect with a new one",
    events: { message: HistoryEventDto, end: StreamEndDto },
    main: 'message',
  })
  @ApiNoContentResponse({ description: 'Decided, and the client has seen every event: do not reconnect' })
  @ApiProblems(
    { 403: 'Not an applicant or an admin', 429: 'The caller holds STREAMS_PER_CALLER streams open' },
    404,
  )
  async application(
    @CurrentCaller() caller: Caller,
    @IdParam() id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = parseLastEventId(lastEventId);
    const opened = await this.live.openApplication(caller, id, after);
    if (opened === 'done') {
      await reply.status(204).send();
      return;
    }
    reply.hijack();
    await this.live.streamApplication(
      { caller, slot: opened, id, after },
      { raw: reply.raw, headers: reply.getHeaders() },
    );
  }

  @Get('tasks/events')
  @Roles('officer', 'admin')
  @ApiOperation({
    summary:
      "Server-sent events for the department's inbox: a `task` event with the task view whenever a task enters, " +
      'changes in or leaves the inbox (`withheld`, without the view, past the read quota)',
  })
  @ApiEventStream({
    description:
      '`ready`, then a `task` event (its `data` a TaskViewDto) whenever a task enters, changes in or leaves ' +
      'the inbox (a task waiting for its fact rule is out of it, and one its rule decides never enters it), ' +
      '`resync` after a gap, ' +
      '`withheld` (`{ id, retryAfterSeconds }`) for a change past the read quota. The stream ends when the ' +
      "caller's token stops being accepted: reconnect with a new one",
    events: { ready: InboxReadyDto, task: TaskViewDto, resync: InboxResyncDto, withheld: TaskWithheldDto },
    main: 'task',
  })
  @ApiProblems({ 403: 'Not an officer or an admin', 429: 'The caller holds STREAMS_PER_CALLER streams open' })
  async inbox(@CurrentCaller() caller: Caller, @Res() reply: FastifyReply): Promise<void> {
    const slot = this.live.reserveStream(caller);
    reply.hijack();
    await this.live.streamInbox({ caller, slot }, { raw: reply.raw, headers: reply.getHeaders() });
  }
}
