import { applyDecorators } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/**
 * A 200 answered as `text/event-stream`. To HTTP the body is text; OpenAPI 3.0 cannot type the events in it, so the
 * schema of the main event's `data` is named in `x-event-data`, and that of every event by its name in `x-events`
 * (and kept in components, where generated types have them).
 */
export function ApiEventStream(options: {
  description: string;
  /** The `data` of the stream's main event. */
  data: Type<unknown>;
  /** Each event's `data` by the event's name (`message` for an event without one), the main event's included. */
  events: Record<string, Type<unknown>>;
}): MethodDecorator {
  const events = Object.entries(options.events);
  return applyDecorators(
    ApiExtraModels(options.data, ...events.map(([, type]) => type)),
    ApiOkResponse({
      description: options.description,
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: `Server-sent events; each \`data\` is one ${options.data.name} as JSON`,
            'x-event-data': { $ref: getSchemaPath(options.data) },
            'x-events': Object.fromEntries(
              events.map(([name, type]) => [name, { $ref: getSchemaPath(type) }]),
            ),
          } as object,
        },
      },
    }),
  );
}
