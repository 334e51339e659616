import { Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/auth.decorators.js';
import type { Caller } from '../auth/caller.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { QueueDashboardSessionDto } from './queue-dashboard.dto.js';
import { QueueDashboardService } from './queue-dashboard.service.js';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('queue-dashboard')
export class QueueDashboardController {
  constructor(private readonly dashboard: QueueDashboardService) {}

  @Post('sessions')
  @Roles('admin')
  @ApiOperation({
    summary: 'An address that opens the queue dashboard (/admin/queues) in a browser: valid one minute',
  })
  @ApiCreatedResponse({ type: QueueDashboardSessionDto })
  @ApiProblems(401, 403)
  session(@CurrentCaller() caller: Caller): Promise<QueueDashboardSessionDto> {
    return this.dashboard.enterUrl(caller.id);
  }
}
