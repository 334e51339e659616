import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply } from 'fastify';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { HelmetOptions } from 'helmet';
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { DomainException } from './common/domain.exception.js';
import { FreeFormValidationPipe } from './common/free-form.pipe.js';
import { problem, sendProblem } from './common/problem.filter.js';
import { jsonBodyProblems, jsonStructureProblem } from './common/json-body.util.js';
import { mediaTypeParameter } from './common/media-type.util.js';
import { installRequestHooks } from './common/request-hooks.util.js';
import { API_PREFIX, applyApiPrefix, buildOpenApiDocument } from './common/openapi-document.util.js';
import { MemoryRateStore, RateLimiter, RedisRateStore } from './common/rate-limit.util.js';
import { AuthGuard } from './auth/auth.guard.js';
import type { JsonLimits } from './common/json-body.util.js';
import { flattenValidationErrors } from './common/validation-errors.util.js';
import { LOG_LEVELS } from './config/app-config.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { jsonLimitsOf } from './config/security-config.js';
import { setAppLogLevel } from './logging/pino-options.util.js';
import { requestIdOf } from './logging/request-id.util.js';
import { installPages } from './pages/pages.js';

/** Builds the whole HTTP app; main.ts and the end-to-end tests share it, so tests run the real thing. */
export async function createApp(config: RuntimeConfig): Promise<NestFastifyApplication> {
  // nestjs-pino keeps one root logger per process, made for the first app built (a warm-up's, quiet): each app
  // built sets it to its own level.
  setAppLogLevel(config.logLevel);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdOf,
    // Behind a reverse proxy the client address (for rate limits) comes from X-Forwarded-For, from trusted hops only.
    trustProxy: config.security.trustProxy ? [...config.security.trustProxy] : false,
    // The router refuses a malformed URL (400) or an over-long parameter (414) before any hook: as problem+json too.
    frameworkErrors: (error: FastifyError, _request: unknown, reply: unknown) => {
      const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 400;
      sendProblem(
        reply as FastifyReply,
        problem(status, error.message, [{ path: '$.path', message: 'is not a valid request target' }]),
      );
    },
    // What Node's HTTP parser refuses before Fastify sees a request (headers too large, a malformed request line, a
    // request too slow) is answered on the socket: as problem+json too, where Fastify's default wrote its own JSON.
    clientErrorHandler: answerClientError,
    // A request, headers and body, must arrive whole in time: a body sent a byte at a time cannot hold a socket.
    requestTimeout: config.security.requestTimeoutMs,
    connectionTimeout: config.security.requestTimeoutMs + 5_000,
    // Node checks these time-outs only every connectionsCheckingInterval (30 s by default).
    http: {
      headersTimeout: config.security.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.security.headersTimeoutMs),
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logLevels(config.logLevel),
    bufferLogs: true, // until pino takes over, just below
    // Nest's parser would reject nothing but malformed JSON; ours also refuses what jsonb cannot store.
    bodyParser: false,
    // A failed start is thrown to main.ts, which reports it in one line, instead of logged as a stack here.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  installJsonParser(app, config.bodyLimitBytes, jsonLimitsOf(config.security));
  await installPages(app);
  applyApiPrefix(app);
  installSecurityHeaders(app, config);
  const guard = app.get(AuthGuard);
  const limiter = new RateLimiter(
    config.redisUrl ? new RedisRateStore(config.redisUrl, config.queuePrefix) : new MemoryRateStore(),
    {
      windowMs: config.security.rateLimitWindowMs,
      perAddress: config.security.rateLimitPerAddress,
      perCaller: config.security.rateLimitPerCaller,
      pollsPerCaller: config.security.rateLimitPollsPerCaller,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onClose', () => limiter.close());
  installRequestHooks(fastify, {
    authenticatedPrefix: `/${API_PREFIX}/`,
    authenticate: (header) => guard.authenticate(header),
    remembers: (header) => guard.remembers(header),
    limiter,
  });
  app.useGlobalPipes(
    new FreeFormValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) =>
        DomainException.invalid('The request is invalid', flattenValidationErrors(errors)),
    }),
  );
  // The same document `npm run openapi:generate` commits to docs/api/openapi.json.
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return app;
}

/** Fastify's default client-error handler, with a problem+json body naming the part of the request at fault. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail, errors] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request did not arrive in time', []]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large', [{ path: '$.headers', message: 'are too large' }]]
        : [400, 'The request is not valid HTTP', [{ path: '$', message: 'is not a valid HTTP request' }]];
  const body = JSON.stringify(problem(status, detail, errors));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Fastify's JSON parser, plus the checks that keep odd but well-formed JSON from becoming a 500 later
 * (see jsonBodyProblems); a malformed body stays Fastify's 400.
 */
function installJsonParser(app: NestFastifyApplication, bodyLimit: number, limits: JsonLimits): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('application/json');
  // Every body this API takes is JSON: a plain-text body is refused as of the wrong type (415) like any other,
  // not parsed into a string for the validation to refuse as the wrong shape (400).
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, raw, done) => {
    const unsupported = unsupportedEncoding(request.headers);
    if (unsupported) {
      done(unsupported, undefined);
      return;
    }
    let body: string;
    try {
      body = UTF8.decode(raw as Buffer);
    } catch {
      done(
        DomainException.invalid('The body is not UTF-8', [{ path: '$', message: 'is not valid UTF-8' }]),
        undefined,
      );
      return;
    }
    const tooBig = jsonStructureProblem(body, limits);
    if (tooBig) {
      done(DomainException.invalid('The body holds values that cannot be stored', [tooBig]), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch (error) {
      const problem = DomainException.invalid(`The body is not valid JSON: ${(error as Error).message}`, [
        { path: '$', message: 'is not valid JSON' },
      ]);
      done(problem, undefined);
      return;
    }
    const problems = jsonBodyProblems(parsed, limits);
    if (problems.length > 0)
      done(DomainException.invalid('The body holds values that cannot be stored', problems), undefined);
    else done(null, parsed);
  });
}

/** Strict: a byte sequence that is not UTF-8 is refused, not read as U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A JSON body is UTF-8 (RFC 8259) and this API takes it uncompressed: another charset or a content coding is a 415
 * naming the header, where it was read as UTF-8 anyway (mojibake) or refused as malformed JSON.
 */
function unsupportedEncoding(headers: IncomingHttpHeaders): DomainException | null {
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    return DomainException.unsupportedMediaType(`The body is sent with content coding ${coding}`, [
      { path: '$.headers.content-encoding', message: 'must be absent: send the body uncompressed' },
    ]);
  }
  const charset = mediaTypeParameter(headers['content-type'] ?? '', 'charset')?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return DomainException.unsupportedMediaType(`The body is sent in charset "${charset}"`, [
      { path: '$.headers.content-type', message: 'must be application/json in UTF-8' },
    ]);
  }
  return null;
}

/**
 * Security headers on every answer (helmet), with a CSP that Swagger UI at /docs and plain static pages live with:
 * scripts only from this origin, inline styles allowed (Swagger UI's own). CORS only for CORS_ORIGINS. Answers of
 * the API, which carry personal data, are never stored by a cache.
 */
function installSecurityHeaders(app: NestFastifyApplication, config: RuntimeConfig): void {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  if (config.security.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.security.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // Every request header the API reads, and every response header it documents: a portal's preflight that
      // asks for one left out fails its whole request.
      allowedHeaders: [
        'authorization',
        'content-type',
        'if-none-match',
        'idempotency-key',
        'last-event-id',
        'x-request-id',
      ],
      exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id'],
      maxAge: 600,
    });
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith(`/${API_PREFIX}/`)) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/**
 * The headers helmet sets, computed once: they depend on nothing in the request (no CSP nonces), and building
 * them per request (as @fastify/helmet does, parsing the CSP directives each time) was a measurable share of a
 * request's cost.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error as Error;
  });
  return headers;
}

function logLevels(level: RuntimeConfig['logLevel']) {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
