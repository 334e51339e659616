import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto.js';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Every business path starts with this; the operational ones below do not. */
export const API_PREFIX = 'api/v1';
/** The security scheme of GET /metrics: METRICS_TOKEN as a bearer token, not a caller's JWT. */
export const METRICS_TOKEN_SCHEME = 'metrics-token';
export const OPERATIONAL_PATHS = ['health', 'health/live', 'health/ready', 'metrics', 'docs', 'docs-json'];

/** The prefix as the running app and the document generator both apply it, so their paths agree. */
export function applyApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: OPERATIONAL_PATHS });
}

/**
 * The OpenAPI document of the app's controllers: served at /docs-json, written to docs/api/openapi.json by
 * `npm run openapi:generate`. Every operation names its security: `@ApiBearerAuth()`, or `security: []` when it is public.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parallel Approvals')
      .setDescription(
        'Serial government approvals, run in parallel. Conventions (authentication, errors, ETags, cursors, ' +
          'idempotency) are in docs/api/README.md of the repository.',
      )
      .setVersion('1')
      .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
      .addServer('/', 'This service')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A caller: see docs/api/README.md',
        },
        'bearer',
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the service has one configured' },
        METRICS_TOKEN_SCHEME,
      )
      .build(),
  );
  addCommonAnswers(document);
  return document;
}

/**
 * Answers no handler chooses, documented here once rather than on each: every /api/v1 call passes the rate limiter
 * in an onRequest hook (request-hooks.util.ts), and the problem filter answers 503 for any call when the database or
 * the queue store is unreachable (infrastructure-error.util.ts).
 */
function addCommonAnswers(document: OpenAPIObject): void {
  const problem = { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(`/${API_PREFIX}/`)) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses['429'] ??= {
        description: 'Too many requests from this address or caller (RATE_LIMIT_*): retry after Retry-After',
        headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
        content: problem,
      };
      operation.responses['503'] ??= {
        description:
          'The database or the queue store is unreachable for now, or a workflow version could not be compiled ' +
          'within DEFINITION_CHECK_TIMEOUT_MS: retry after Retry-After',
        headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
        content: problem,
      };
    }
  }
}
