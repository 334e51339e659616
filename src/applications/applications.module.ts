import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { EventsModule } from '../events/events.module.js';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsService } from './applications.service.js';

@Module({
  imports: [AuditModule, DefinitionsModule, EventsModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsService],
})
export class ApplicationsModule {}
