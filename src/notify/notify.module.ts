import { Module } from '@nestjs/common';
import { PgListenerService } from './pg-listener.service.js';

/** Cross-process change notifications (PostgreSQL LISTEN/NOTIFY), for whoever needs to hear of commits. */
@Module({ providers: [PgListenerService], exports: [PgListenerService] })
export class NotifyModule {}
