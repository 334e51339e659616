import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { QueueService } from '../queue/queue.service.js';

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: QueueService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Database and queue reachability: 200 when both answer, else 503' })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const queue = await this.queues.healthy();
    void reply.status(database && queue ? 200 : 503);
    return {
      status: database && queue ? 'ok' : 'unavailable',
      database: database ? 'up' : 'down',
      queue: queue ? 'up' : 'down',
      queueBackend: this.queues.backend,
    };
  }
}
