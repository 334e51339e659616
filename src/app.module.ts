import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationEventsService } from './applications/application-events.service.js';
import { ApplicationsController } from './applications/applications.controller.js';
import { ApplicationsService } from './applications/applications.service.js';
import { HistoryService } from './audit/history.service.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CalendarController } from './calendar/calendar.controller.js';
import { CalendarService } from './calendar/calendar.service.js';
import { ProblemFilter } from './common/problem.filter.js';
import { UnitOfWork } from './common/unit-of-work.service.js';
import { APP_CONFIG } from './config/app-config.js';
import { dataSourceOptions } from './config/data-source.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { DefinitionsController } from './definitions/definitions.controller.js';
import { DefinitionsService } from './definitions/definitions.service.js';
import { HealthController } from './health/health.controller.js';
import { FactsService } from './rules/facts.service.js';
import { RulesProcessor } from './rules/rules.processor.js';
import { TasksController } from './tasks/tasks.controller.js';
import { TasksService } from './tasks/tasks.service.js';
import { QueueService } from './timers/queue.service.js';
import { TimersProcessor } from './timers/timers.processor.js';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl))],
      controllers: [
        DefinitionsController,
        ApplicationsController,
        TasksController,
        CalendarController,
        HealthController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        UnitOfWork,
        HistoryService,
        QueueService,
        CalendarService,
        TimersProcessor,
        FactsService,
        RulesProcessor,
        DefinitionsService,
        ApplicationEventsService,
        ApplicationsService,
        TasksService,
      ],
    };
  }
}
