import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/auth.decorators.js';
import { optionalPositiveInt } from '../common/query.util.js';
import { WorkflowDefinitionDto } from './definition.dto.js';
import { DefinitionsService } from './definitions.service.js';
import { toMermaid } from './mermaid.util.js';

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
  async register(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, ...registration } = await this.definitions.register(body);
    void reply.status(created ? 201 : 200);
    return registration;
  }

  @Post('analyze')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Validate and analyse a definition without storing it' })
  @ApiBody({ type: WorkflowDefinitionDto })
  analyze(@Body() body: unknown) {
    return this.definitions.analyzeDocument(body);
  }

  @Get()
  @ApiOperation({ summary: 'Latest version of every workflow' })
  list() {
    return this.definitions.list();
  }

  @Get(':key')
  @ApiOperation({ summary: 'One workflow version (the latest unless ?version=N)' })
  get(@Param('key') key: string, @Query('version') version?: string) {
    return this.definitions.get(key, optionalPositiveInt(version, 'version'));
  }

  @Get(':key/diagram')
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Mermaid text of the dependency graph, critical path highlighted' })
  async diagram(@Param('key') key: string, @Query('version') version?: string) {
    const workflow = await this.definitions.get(key, optionalPositiveInt(version, 'version'));
    return toMermaid(workflow.definition, workflow.analysis);
  }
}
