import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CalendarModule } from '../calendar/calendar.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { QueueModule } from '../timers/queue.module.js';
import { ApplicationEventsService } from './application-events.service.js';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsService } from './applications.service.js';

@Module({
  imports: [AuditModule, CalendarModule, DefinitionsModule, QueueModule],
  controllers: [ApplicationsController],
  providers: [ApplicationEventsService, ApplicationsService],
  exports: [ApplicationEventsService, ApplicationsService],
})
export class ApplicationsModule {}
