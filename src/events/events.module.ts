import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { PiiModule } from '../pii/pii.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { EventExecutor } from './event-executor.service.js';

/** The one event path: planner plus executor. Applications, tasks, timers and rules all call it. */
@Module({
  imports: [CalendarModule, DefinitionsModule, QueueModule, PiiModule],
  providers: [EventExecutor],
  exports: [EventExecutor, QueueModule],
})
export class EventsModule {}
