import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { EventsModule } from '../events/events.module.js';
import { TimersProcessor } from './timers.processor.js';

/** Deadlines and reminders: a sibling of the rule worker, both calling the one event path. */
@Module({
  imports: [DefinitionsModule, EventsModule],
  providers: [TimersProcessor],
})
export class TimersModule {}
