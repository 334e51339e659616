import { ApiProblems } from '../common/api-problems.decorator.js';
import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/auth.decorators.js';
import { ReportQuery, WorkflowReportDto } from './report.dto.js';
import { reportCsv, type WorkflowReport } from './report.util.js';
import { ReportsService } from './reports.service.js';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
@Roles('admin')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('workflows/:key')
  @ApiOperation({
    summary:
      'How a workflow performs: status counts, end-to-end time, departments, realised speedup, bottleneck',
    description:
      'JSON by default; `Accept: text/csv` gives one row per figure (section, subject, metric, value).',
  })
  @ApiExtraModels(WorkflowReportDto)
  @ApiOkResponse({
    description: 'The report; as CSV when asked for with `Accept: text/csv`',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(WorkflowReportDto) } },
      'text/csv': { schema: { type: 'string', description: 'Rows of section, subject, metric, value' } },
    },
  })
  @ApiProblems({ 400: 'from or to is not a date or a date-time with an offset, or to <= from' })
  @ApiProblems(401)
  @ApiProblems({ 403: 'Only administrators read reports' })
  @ApiProblems({ 404: 'No workflow with this key' })
  async workflow(
    @Param('key') key: string,
    @Query() query: ReportQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WorkflowReport | string> {
    const report = await this.reports.workflow(key, query);
    if (!accept?.includes('text/csv')) return report;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return reportCsv(report);
  }
}
