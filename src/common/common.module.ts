import { Global, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { UnitOfWork } from './unit-of-work.service.js';

/** What every domain needs: the validated configuration and the unit of work. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, UnitOfWork],
      exports: [APP_CONFIG, UnitOfWork],
    };
  }
}
