import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationsModule } from './applications/applications.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CalendarModule } from './calendar/calendar.module.js';
import { CommonModule } from './common/common.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { dataSourceOptions, openDataSource } from './config/data-source.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { DefinitionsModule } from './definitions/definitions.module.js';
import { DisclosuresModule } from './disclosures/disclosures.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { LiveModule } from './live/live.module.js';
import { RatingsModule } from './ratings/ratings.module.js';
import { HygieneModule } from './hygiene/hygiene.module.js';
import { RulesModule } from './rules/rules.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { TimersModule } from './timers/timers.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CommonModule.forRoot(config),
        LoggingModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            dataSourceOptions(
              config.databaseUrl,
              config.security.statementTimeoutMs,
              config.databasePoolSize,
            ),
          dataSourceFactory: (options) => openDataSource(options!),
        }),
        CalendarModule,
        DefinitionsModule,
        ApplicationsModule,
        AuditModule,
        TasksModule,
        RulesModule,
        TimersModule,
        HealthModule,
        MetricsModule,
        ReportsModule,
        LiveModule,
        WebhooksModule,
        RatingsModule,
        HygieneModule,
        DisclosuresModule,
      ],
      providers: [
        AuthGuard,
        // useExisting: the same guard also authenticates in an onRequest hook, before any body is read.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
