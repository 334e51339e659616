import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { DomainException } from './common/domain.exception.js';
import { flattenValidationErrors } from './common/validation-errors.util.js';
import type { RuntimeConfig } from './config/runtime-config.js';

const OPERATIONAL = ['health', 'metrics', 'docs', 'docs-json'];

/** Builds the whole HTTP app; main.ts and the end-to-end tests share it, so tests run the real thing. */
export async function createApp(config: RuntimeConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logLevels(config.logLevel),
  });
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
  app.enableShutdownHooks();
  return app;
}

function logLevels(level: RuntimeConfig['logLevel']) {
  const order = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return order.slice(0, order.indexOf(level) + 1);
}
