import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { EventsModule } from '../events/events.module.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

@Module({
  imports: [DefinitionsModule, EventsModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
