import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = Symbol('requestId');
/** What a caller's `x-request-id` may hold to be honoured: short, printable, no spaces or quotes. */
const ACCEPTABLE = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is acceptable, else a new UUID. Cached on the request,
 * so Fastify (its `request.id`) and the logger's middleware agree on one id.
 */
export function requestIdOf(raw: IncomingMessage): string {
  const holder = raw as IncomingMessage & { [REQUEST_ID]?: string };
  if (holder[REQUEST_ID] === undefined) {
    const sent = raw.headers['x-request-id'];
    holder[REQUEST_ID] = typeof sent === 'string' && ACCEPTABLE.test(sent) ? sent : randomUUID();
  }
  return holder[REQUEST_ID];
}
