import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/auth.decorators.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { DomainException } from '../common/domain.exception.js';
import { METRICS_TOKEN_SCHEME } from '../common/openapi-document.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller('metrics')
@Public() // not a caller's JWT: Prometheus sends METRICS_TOKEN when one is configured
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text format); wants `Bearer METRICS_TOKEN` when that is set',
    // METRICS_TOKEN, not a caller's JWT; without METRICS_TOKEN configured, no token at all.
    security: [{ [METRICS_TOKEN_SCHEME]: [] }, {}],
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiProblems({ 401: 'METRICS_TOKEN is set and the request does not carry it' })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const expected = this.config.metricsToken;
    if (expected !== undefined && !sameSecret(authorization ?? '', `Bearer ${expected}`)) {
      throw DomainException.unauthenticated(
        'GET /metrics wants the bearer token configured as METRICS_TOKEN',
      );
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
