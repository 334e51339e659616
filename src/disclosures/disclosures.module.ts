import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { DisclosuresController } from './disclosures.controller.js';
import { DisclosuresService } from './disclosures.service.js';

/** The ledger of data flows: tasks record what they show, rules what they send, applicants and admins read it. */
@Module({
  imports: [ApplicationsModule],
  controllers: [DisclosuresController],
  providers: [DisclosuresService],
  exports: [DisclosuresService],
})
export class DisclosuresModule {}
