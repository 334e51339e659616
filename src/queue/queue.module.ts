import { Module } from '@nestjs/common';
import { QueueDashboardController } from './queue-dashboard.controller.js';
import { QueueDashboardService } from './queue-dashboard.service.js';
import { QueueMetrics } from './queue-metrics.service.js';
import { QueueService } from './queue.service.js';

@Module({
  controllers: [QueueDashboardController],
  providers: [QueueService, QueueMetrics, QueueDashboardService],
  exports: [QueueService],
})
export class QueueModule {}
