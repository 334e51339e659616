import { applyDecorators } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/**
 * A 200 answered as `text/event-stream`. To HTTP the body is text; OpenAPI 3.0 cannot type the events in it, so the
 * schema of each event's `data` is named in `x-event-data` (and kept in components, where generated types have it).
 */
export function ApiEventStream(options: { description: string; data: Type<unknown> }): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(options.data),
    ApiOkResponse({
      description: options.description,
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: `Server-sent events; each \`data\` is one ${options.data.name} as JSON`,
            'x-event-data': { $ref: getSchemaPath(options.data) },
          } as object,
        },
      },
    }),
  );
}
