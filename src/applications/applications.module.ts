import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { EventsModule } from '../events/events.module.js';
import { PiiModule } from '../pii/pii.module.js';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsService } from './applications.service.js';

@Module({
  imports: [AuditModule, DefinitionsModule, EventsModule, PiiModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsService],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
