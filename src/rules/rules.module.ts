import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { DisclosuresModule } from '../disclosures/disclosures.module.js';
import { EventsModule } from '../events/events.module.js';
import { PiiModule } from '../pii/pii.module.js';
import { FactsService } from './facts.service.js';
import { RulesProcessor } from './rules.processor.js';

@Module({
  imports: [DefinitionsModule, DisclosuresModule, EventsModule, PiiModule],
  providers: [FactsService, RulesProcessor],
})
export class RulesModule {}
