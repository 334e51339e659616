import { Module } from '@nestjs/common';
import { QueueMetrics } from './queue-metrics.service.js';
import { QueueService } from './queue.service.js';

@Module({ providers: [QueueService, QueueMetrics], exports: [QueueService] })
export class QueueModule {}
