import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';

@Module({ imports: [DefinitionsModule], controllers: [ReportsController], providers: [ReportsService] })
export class ReportsModule {}
