import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { QueueModule } from './queue.module.js';
import { TimersProcessor } from './timers.processor.js';

@Module({
  imports: [ApplicationsModule, DefinitionsModule, QueueModule],
  providers: [TimersProcessor],
})
export class TimersModule {}
