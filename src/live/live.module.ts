import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { LiveController } from './live.controller.js';
import { LiveService } from './live.service.js';
import { NotifyModule } from '../notify/notify.module.js';

@Module({
  imports: [ApplicationsModule, NotifyModule, TasksModule],
  controllers: [LiveController],
  providers: [LiveService],
})
export class LiveModule {}
