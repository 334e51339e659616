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
  /** Each event's `data` by the event's name (`message` for an event without one). */
  events: Record<string, Type<unknown>>;
  /** The stream's main event, whose `data` is also named in `x-event-data`. */
  main: string;
}): MethodDecorator {
  const events = Object.entries(options.events);
  const main = options.events[options.main];
  if (main === undefined) throw new Error(`the main event ${options.main} has no data type`);
  return applyDecorators(
    ApiExtraModels(...events.map(([, type]) => type)),
    ApiOkResponse({
      description: options.description,
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: `Server-sent events; each event's \`data\` is JSON, typed by the event's name in \`x-events\``,
            'x-event-data': { $ref: getSchemaPath(main) },
            'x-events': Object.fromEntries(
              events.map(([name, type]) => [name, { $ref: getSchemaPath(type) }]),
            ),
          } as object,
        },
      },
    }),
  );
}
