import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { DisclosuresModule } from '../disclosures/disclosures.module.js';
import { EventsModule } from '../events/events.module.js';
import { PiiModule } from '../pii/pii.module.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

@Module({
  imports: [DefinitionsModule, DisclosuresModule, EventsModule, PiiModule],
  controllers: [TasksController],
  providers: [TasksService],
  exports: [TasksService],
})
export class TasksModule {}
