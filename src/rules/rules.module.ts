import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { QueueModule } from '../timers/queue.module.js';
import { FactsService } from './facts.service.js';
import { RulesProcessor } from './rules.processor.js';

@Module({
  imports: [ApplicationsModule, DefinitionsModule, QueueModule],
  providers: [FactsService, RulesProcessor],
})
export class RulesModule {}
