import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { ALL_QUEUES } from './queue-names.util.js';
import { QueueService } from './queue.service.js';

/** Jobs per queue and state, read from the queue store when Prometheus scrapes. */
@Injectable()
export class QueueMetrics {
  constructor(queues: QueueService, metrics: MetricsService) {
    new Gauge({
      name: 'pa_queue_jobs',
      help: 'Jobs per queue and state (waiting, delayed, active, failed)',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        await Promise.all(
          ALL_QUEUES.map(async (name) => {
            const counts = await queues.queue(name).getJobCounts('waiting', 'delayed', 'active', 'failed');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
          }),
        );
      },
    });
  }
}
