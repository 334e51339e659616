import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { QueueModule } from './queue.module.js';
import { QueueDashboardController } from './queue-dashboard.controller.js';
import { QueueDashboardService } from './queue-dashboard.service.js';
import { TimersProcessor } from './timers.processor.js';

@Module({
  imports: [ApplicationsModule, DefinitionsModule, QueueModule],
  controllers: [QueueDashboardController],
  providers: [TimersProcessor, QueueDashboardService],
})
export class TimersModule {}
