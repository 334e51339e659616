import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainException, TooManyRequestsException } from './domain.exception.js';
import type { FieldError } from './domain.exception.js';
import { sendProblem, toProblem } from './problem.filter.js';
import type { RateLimiter, Verdict } from './rate-limit.util.js';

/**
 * Problems of the request target that would otherwise reach a handler (and PostgreSQL) as a 500: a path or query
 * that does not decode as UTF-8, or decodes to a NUL or a lone surrogate.
 */
export function requestTargetProblems(url: string): FieldError[] {
  const [path = '', query] = splitOnce(url, '?');
  const problems: FieldError[] = [];
  const check = (raw: string, where: string) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      problems.push({ path: where, message: 'is not valid percent-encoded UTF-8' });
      return;
    }
    if (decoded.includes('\u0000') || !decoded.isWellFormed())
      problems.push({ path: where, message: 'contains a NUL character or an unpaired surrogate' });
  };
  check(path, '$.path');
  if (query !== undefined) check(query, '$.query');
  return problems;
}

function bringsBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

export interface RequestHookOptions {
  /** Prefix of the routes that all need a token (every route but the operational ones); they are rate-limited. */
  authenticatedPrefix: string;
  authenticate: (header: string | undefined) => Promise<{ id: string; role: string }>;
  /** Whether `authenticate` would take the header's token from memory, without checking its signature. */
  remembers: (header: string | undefined) => boolean;
  limiter: RateLimiter;
}

/**
 * onRequest hooks, which run before Fastify reads the body: a bad request target is a 400, and a request with an
 * invalid token, or with a body but no token, is a 401 before a byte of its body is read. The caller found here is
 * kept on the request, so the guard does not verify the token twice.
 */
export function installRequestHooks(fastify: FastifyInstance, options: RequestHookOptions): void {
  const logger = new Logger('Request');
  const refuseIfLimited = (verdict: Verdict) => {
    if (!verdict.allowed) {
      throw new TooManyRequestsException(
        `Too many requests (${verdict.limit} limit); retry after ${verdict.retryAfterSeconds} s`,
        verdict.retryAfterSeconds,
      );
    }
  };
  fastify.addHook(
    'onRequest',
    async (request: FastifyRequest & { caller?: unknown }, reply: FastifyReply) => {
      try {
        const problems = requestTargetProblems(request.url);
        if (problems.length > 0) throw DomainException.invalid('The request target is invalid', problems);
        if (request.url.startsWith(options.authenticatedPrefix)) {
          // A CORS preflight carries no token; @fastify/cors answers it, or the router refuses it. Without a
          // token, a request that brings no body is left to the guard, which knows the public routes. Both count
          // against their address only.
          if (
            request.method === 'OPTIONS' ||
            (request.headers.authorization === undefined && !bringsBody(request))
          ) {
            refuseIfLimited(await options.limiter.checkAddress(request.ip));
            return undefined;
          }
          // A request that brings a body without a token is refused here, before the body is read (no public
          // route takes one). A token verified a short while ago is taken from memory, and then the address's and
          // the caller's limits are counted together, in one call to the store. Any other token is counted against
          // its address first: past that limit a flood of new or forged tokens is refused before a signature is
          // checked (or a key set fetched). A bad token is counted against its address all the same.
          const header = request.headers.authorization;
          const addressFirst = !options.remembers(header);
          if (addressFirst) refuseIfLimited(await options.limiter.checkAddress(request.ip));
          let caller: { id: string; role: string };
          try {
            caller = await options.authenticate(header);
          } catch (error) {
            if (!addressFirst) refuseIfLimited(await options.limiter.checkAddress(request.ip));
            throw error;
          }
          request.caller = caller;
          const poll = request.method === 'GET' && request.headers['if-none-match'] !== undefined;
          refuseIfLimited(
            await options.limiter.check(addressFirst ? null : request.ip, {
              id: `${caller.role}:${caller.id}`,
              poll,
            }),
          );
        }
      } catch (error) {
        if (error instanceof TooManyRequestsException)
          void reply.header('retry-after', String(error.retryAfterSeconds));
        // Answered here, before the body is read; the connection closes so an unread body cannot linger.
        void reply.header('connection', 'close');
        sendProblem(reply, toProblem(error, logger));
        return reply;
      }
      return undefined;
    },
  );
  // A conditional GET pays the cheap poll budget only when it is answered 304; otherwise the full one too.
  fastify.addHook(
    'onResponse',
    async (request: FastifyRequest & { caller?: { id: string; role: string } }, reply) => {
      if (
        request.caller &&
        request.method === 'GET' &&
        request.headers['if-none-match'] !== undefined &&
        reply.statusCode !== 304
      ) {
        await options.limiter.chargeUnansweredPoll(`${request.caller.role}:${request.caller.id}`);
      }
    },
  );
}
