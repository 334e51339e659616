import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Caller } from '../auth/caller.js';

/**
 * One log line per request: id, method, route template, status, duration, and the caller's id and role. Nothing
 * else from the request or the response: no headers (tokens), no query, no body (form data), no answer (facts).
 * Every other line written while the request is handled carries its id (`reqId`): the request runs in a logging
 * context of its own, bound here when it arrives.
 */
@Injectable()
export class RequestLogService implements OnModuleInit {
  constructor(
    @InjectPinoLogger('Request') private readonly logger: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify === undefined) return;
    // Through the root logger, not the request's context: the line names its request id itself (a request refused
    // before its context was bound has one too), and only once. Without the redaction every other line gets: this
    // line is built from the scalars below and nothing else, and a redaction with wildcards walks every line it
    // writes, a measurable share of a small request's cost.
    const requestLines = PinoLogger.root.child({}, { redact: [] });
    // Set as the request arrives, for an event stream, which takes its reply over and sends only the headers set by
    // then; and as any other reply is sent, for those the hooks before this one send (a bad token, a rate limit).
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      this.logger.runInContext(done, { bindings: { reqId: request.id } });
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      void reply.header('x-request-id', request.id);
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      const caller = (request as { caller?: Caller }).caller;
      requestLines.info(
        {
          context: 'Request',
          reqId: request.id,
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 10) / 10,
          callerId: caller?.id ?? null,
          callerRole: caller?.role ?? null,
        },
        'request',
      );
      done();
    });
  }
}
