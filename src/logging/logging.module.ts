import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { logDestination, pinoOptions } from './pino-options.util.js';
import { requestIdOf } from './request-id.util.js';
import { RequestLogService } from './request-log.service.js';

/**
 * Logs as JSON lines through pino (nestjs-pino), pretty when standard output is a terminal. Lines written while a
 * request is handled carry its id and nothing else of it, so headers (tokens), query and body (form data) never
 * reach a log line. The request's logging context is bound by a Fastify hook (RequestLogService), not by
 * nestjs-pino's middleware: Nest runs middleware on Fastify through middie, and that pipeline with pino-http's own
 * per-request work was a measurable share of every request's cost while adding nothing this service uses.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: Pick<RuntimeConfig, 'logLevel'>): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: withDestination({
            ...pinoOptions(config.logLevel),
            autoLogging: false, // RequestLogService writes the one line per request, with the route template
            genReqId: (request) => requestIdOf(request),
            customAttributeKeys: { reqId: 'reqId' },
            serializers: {
              req: (request: { id?: unknown }) => ({ id: request.id }),
              res: () => undefined,
            },
          }),
          forRoutes: [], // no middleware: see above
        }),
      ],
      providers: [RequestLogService],
    };
  }
}

/** pino-http's options, with the shared standard output stream when there is one (see logDestination). */
function withDestination(options: Options): Options | [Options, DestinationStream] {
  const destination = logDestination();
  return destination ? [options, destination] : options;
}
