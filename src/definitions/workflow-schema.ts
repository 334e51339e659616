import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MAX_LIMIT } from './definition.dto.js';
import { DefinitionsController } from './definitions.controller.js';
import { DefinitionsService } from './definitions.service.js';

/** Only the controller's decorators are read: the service behind it is never called. */
@Module({ controllers: [DefinitionsController], providers: [{ provide: DefinitionsService, useValue: {} }] })
class SchemaSourceModule {}

type Schema = Record<string, unknown>;

/**
 * The published `workflows/workflow.schema.json`, for editors: built from the same DTOs that validate definitions
 * (through their Swagger metadata), so the two cannot drift. Graph rules (cycles, data flow) are the server's alone.
 */
export async function buildWorkflowSchema(): Promise<Schema> {
  const app = await NestFactory.create(SchemaSourceModule, new FastifyAdapter(), { logger: false });
  try {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
    const defs = JSON.parse(
      JSON.stringify(components).replaceAll('"#/components/schemas/', '"#/$defs/'),
    ) as Record<string, Schema>;
    for (const def of Object.values(defs)) {
      if (def.type === 'object' && def.properties) def.additionalProperties = false;
    }
    const duration = defs.DurationDto;
    if (duration) {
      // Exactly one unit, within the limits the DTO enforces.
      Object.assign(duration, { minProperties: 1, maxProperties: 1 });
      for (const [unit, max] of Object.entries(MAX_LIMIT)) {
        const property = (duration.properties as Record<string, Schema>)[unit];
        if (property) property.maximum = max;
      }
    }
    // Only what a definition uses: the controller's response and problem models are not part of the format.
    const used = new Set<string>();
    const visit = (name: string): void => {
      if (used.has(name) || defs[name] === undefined) return;
      used.add(name);
      for (const match of JSON.stringify(defs[name]).matchAll(/"#\/\$defs\/([^"]+)"/g)) visit(match[1]!);
    };
    visit('WorkflowDefinitionDto');
    const { WorkflowDefinitionDto: root, ...others } = defs;
    const form = (root?.properties as Record<string, Schema> | undefined)?.form;
    if (form) {
      // Application data is a JSON object: an editor flags a form of another type, as registration refuses it.
      // (Not in the DTO's @ApiProperty, whose `required` says whether `form` itself is.)
      Object.assign(form, { required: ['type'], properties: { type: { enum: ['object', ['object']] } } });
    }
    const rest = Object.fromEntries(Object.entries(others).filter(([name]) => used.has(name)));
    return {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'workflow.schema.json',
      title: 'Parallel Approvals workflow definition',
      ...root,
      $defs: rest,
    };
  } finally {
    await app.close();
  }
}
