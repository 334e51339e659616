import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { DomainException } from './common/domain.exception.js';
import { jsonBodyProblems } from './common/json-body.util.js';
import { flattenValidationErrors } from './common/validation-errors.util.js';
import { LOG_LEVELS } from './config/app-config.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { requestIdOf } from './logging/request-id.util.js';

const OPERATIONAL = ['health', 'health/live', 'health/ready', 'metrics', 'docs', 'docs-json'];

/** Builds the whole HTTP app; main.ts and the end-to-end tests share it, so tests run the real thing. */
export async function createApp(config: RuntimeConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, genReqId: requestIdOf });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logLevels(config.logLevel),
    bufferLogs: true, // until pino takes over, just below
    // Nest's parser would reject nothing but malformed JSON; ours also refuses what jsonb cannot store.
    bodyParser: false,
    // A failed start is thrown to main.ts, which reports it in one line, instead of logged as a stack here.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  installJsonParser(app, config.bodyLimitBytes);
  app.setGlobalPrefix('api/v1', { exclude: OPERATIONAL });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) =>
        DomainException.invalid('The request is invalid', flattenValidationErrors(errors)),
    }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parallel Approvals')
      .setDescription('Serial government approvals, run in parallel. See API.md for the contract.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

/**
 * Fastify's JSON parser, plus the checks that keep odd but well-formed JSON from becoming a 500 later
 * (see jsonBodyProblems); a malformed body stays Fastify's 400.
 */
function installJsonParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      let parsed: unknown;
      try {
        parsed = body === '' ? undefined : JSON.parse(body as string);
      } catch (error) {
        const problem = DomainException.invalid(`The body is not valid JSON: ${(error as Error).message}`, [
          { path: '$', message: 'is not valid JSON' },
        ]);
        done(problem, undefined);
        return;
      }
      const problems = jsonBodyProblems(parsed);
      if (problems.length > 0)
        done(DomainException.invalid('The body holds values that cannot be stored', problems), undefined);
      else done(null, parsed);
    },
  );
}

function logLevels(level: RuntimeConfig['logLevel']) {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
