import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { LiveController } from './live.controller.js';
import { LiveService } from './live.service.js';
import { PgListenerService } from './pg-listener.service.js';

@Module({
  imports: [ApplicationsModule, TasksModule],
  controllers: [LiveController],
  providers: [PgListenerService, LiveService],
  exports: [PgListenerService],
})
export class LiveModule {}
