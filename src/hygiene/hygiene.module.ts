import { Module } from '@nestjs/common';
import { PurgeService } from './purge.service.js';

@Module({ providers: [PurgeService], exports: [PurgeService] })
export class HygieneModule {}
