import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/auth.decorators.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { optionalPositiveInt } from '../common/query.util.js';
import { WorkflowDefinitionDto, WorkflowVersionQuery } from './definition.dto.js';
import { DefinitionsService } from './definitions.service.js';
import { toMermaid } from './mermaid.util.js';
import {
  WorkflowCheckDto,
  WorkflowRegistrationDto,
  WorkflowSummaryDto,
  WorkflowVersionDto,
} from './workflow-response.dto.js';

/** Bodies are taken raw: validateDefinition reports every shape and graph error at once, with its JSON path. */
@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class DefinitionsController {
  constructor(private readonly definitions: DefinitionsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a definition: 201 for a new version, 200 when identical to the latest' })
  @ApiBody({ type: WorkflowDefinitionDto })
  @ApiCreatedResponse({ type: WorkflowRegistrationDto, description: 'A new version' })
  @ApiOkResponse({
    type: WorkflowRegistrationDto,
    description: 'Identical to the latest version: nothing stored',
  })
  @ApiProblems(400, 401, 403, 413, 415)
  async register(
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WorkflowRegistrationDto> {
    const { created, ...registration } = await this.definitions.register(body);
    void reply.status(created ? 201 : 200);
    return registration;
  }

  @Post('analyze')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Validate and analyse a definition without storing it' })
  @ApiBody({ type: WorkflowDefinitionDto })
  @ApiOkResponse({
    type: WorkflowCheckDto,
    description: 'An invalid document is a 200 too, with valid: false',
  })
  @ApiProblems(401, 403, 413, 415)
  analyze(@Body() body: unknown): Promise<WorkflowCheckDto> {
    return this.definitions.analyzeDocument(body);
  }

  @Get()
  @ApiOperation({ summary: 'Latest version of every workflow' })
  @ApiOkResponse({ type: [WorkflowSummaryDto] })
  @ApiProblems(401)
  list(): Promise<WorkflowSummaryDto[]> {
    return this.definitions.list();
  }

  @Get(':key')
  @ApiOperation({ summary: 'One workflow version (the latest unless ?version=N)' })
  @ApiOkResponse({ type: WorkflowVersionDto })
  @ApiProblems(400, 401, 404)
  get(@Param('key') key: string, @Query() query: WorkflowVersionQuery): Promise<WorkflowVersionDto> {
    return this.definitions.get(key, optionalPositiveInt(query.version, 'version'));
  }

  @Get(':key/diagram')
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Mermaid text of the dependency graph, critical path highlighted' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'Mermaid flowchart text. Labels code `"` `#` `&` `<` `>` as `#34;` `#35;` `#38;` `#60;` `#62;`, and the ' +
      'space after `direction` as `#32;`; a step id ' +
      'Mermaid would misread (`end`, `style-check`, `click`, one holding `--`) is written with a capital first ' +
      'letter and underscores for hyphens (`End`, `Style_check`).',
    schema: { type: 'string' },
  })
  @ApiProblems(400, 401, 404)
  async diagram(@Param('key') key: string, @Query() query: WorkflowVersionQuery) {
    const workflow = await this.definitions.get(key, optionalPositiveInt(query.version, 'version'));
    return toMermaid(workflow.definition, workflow.analysis);
  }
}
