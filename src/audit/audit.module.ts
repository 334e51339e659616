import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { CheckpointScheduler } from './checkpoint.scheduler.js';
import { CheckpointService } from './checkpoint.service.js';
import { HistoryService } from './history.service.js';

@Module({
  controllers: [AuditController],
  providers: [HistoryService, CheckpointService, CheckpointScheduler, AuditVerifyService],
  exports: [HistoryService],
})
export class AuditModule {}
