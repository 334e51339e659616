import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { sharedWhileRunning } from '../common/shared-while-running.util.js';
import { QueueService } from '../queue/queue.service.js';
import { HealthDto, LivenessDto, ReadinessDto } from './health.dto.js';
import { ReadinessService } from './readiness.service.js';

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  // Open to anyone and outside the rate limits: probes that arrive together share one round of checks.
  private readonly reachable = sharedWhileRunning(() =>
    Promise.all([this.databaseUp(), this.queues.healthy()]),
  );
  private readonly migrated = sharedWhileRunning(() =>
    this.dataSource.showMigrations().then(
      (pending) => (pending ? 'pending' : 'applied'),
      () => 'unknown' as const,
    ),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: QueueService,
    private readonly readiness: ReadinessService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Database and queue reachability: 200 when both answer, else 503', security: [] })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const [database, queue] = await this.reachable();
    void reply.status(database && queue ? 200 : 503);
    return {
      status: database && queue ? 'ok' : 'unavailable',
      database: database ? 'up' : 'down',
      queue: queue ? 'up' : 'down',
      queueBackend: this.queues.backend,
    };
  }

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers (200), whatever its dependencies do',
    security: [],
  })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: 200 when the database and queue answer, every migration is applied and the process is not shutting down; else 503',
    security: [],
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const shuttingDown = this.readiness.shuttingDown;
    const [database, queue] = await this.reachable();
    const migrations = !database ? 'unknown' : await this.migrated();
    const ready = database && queue && migrations === 'applied' && !shuttingDown;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not ready',
      checks: { database: database ? 'up' : 'down', queue: queue ? 'up' : 'down', migrations, shuttingDown },
    };
  }

  private databaseUp(): Promise<boolean> {
    return this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
  }
}
