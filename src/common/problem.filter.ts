import { Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  DomainException,
  ErrorCode,
  listedFieldErrors,
  TooManyRequestsException,
} from './domain.exception.js';
import type { FieldError } from './domain.exception.js';
import { classifyInfrastructureError } from './infrastructure-error.util.js';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.InvalidInput]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.TooManyRequests]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

const TITLES: Record<number, string> = {
  400: 'Invalid input',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/**
 * The request part a framework's refusal is about, by status, where its message does not name it: Fastify refuses
 * a body of a type no parser takes, and Nest's adapter hands that on as an HttpException or as Fastify's error.
 */
const FRAMEWORK_FIELDS: Record<number, FieldError[]> = {
  415: [{ path: '$.headers.content-type', message: 'must be application/json' }],
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

export function problem(status: number, detail: string, errors: FieldError[] = []): Problem {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    errors: listedFieldErrors(errors),
  };
}

/** Turns anything thrown into RFC 9457 problem+json; only our own faults become 500, and they are logged. */
export function toProblem(error: unknown, logger: Logger): Problem {
  if (error instanceof DomainException) return problem(STATUS[error.code], error.message, error.errors);
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : error.message;
    return problem(error.getStatus(), detail, FRAMEWORK_FIELDS[error.getStatus()]);
  }
  // Fastify's own errors (malformed JSON, body too large, wrong content type) carry a 4xx statusCode.
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problem(status, (error as Error).message, FRAMEWORK_FIELDS[status]);
  }
  const fault = classifyInfrastructureError(error);
  if (fault === 'unavailable') {
    logger.warn(`database or queue unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return problem(503, 'A service this request needs is unavailable; try again shortly');
  }
  if (fault === 'timed_out') {
    logger.warn(`statement cancelled: ${error instanceof Error ? error.message : String(error)}`);
    return problem(503, 'The database did not answer in time (STATEMENT_TIMEOUT_MS); try again shortly');
  }
  if (fault === 'invalid_value') {
    // A value the checks before the database missed: the client's to fix, ours to tighten, so it is logged.
    logger.warn(`value refused by the database: ${error instanceof Error ? error.message : String(error)}`);
    return problem(400, 'The request holds a value that cannot be stored');
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return problem(500, 'An unexpected error occurred');
}

export function sendProblem(reply: FastifyReply, body: Problem): void {
  // RFC 9110 §11.6.1: a 401 names the scheme that would be accepted.
  if (body.status === 401) void reply.header('www-authenticate', 'Bearer realm="parallel-approvals"');
  if (body.status === 503 && !reply.hasHeader('retry-after')) void reply.header('retry-after', '5');
  void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof TooManyRequestsException)
      void reply.header('retry-after', String(exception.retryAfterSeconds));
    sendProblem(reply, toProblem(exception, this.logger));
  }
}
