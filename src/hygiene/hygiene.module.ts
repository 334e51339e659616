import { Module } from '@nestjs/common';
import { PiiModule } from '../pii/pii.module.js';
import { PurgeService } from './purge.service.js';

@Module({ imports: [PiiModule], providers: [PurgeService], exports: [PurgeService] })
export class HygieneModule {}
