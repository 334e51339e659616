import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import { problem, sendProblem } from '../common/problem.filter.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { ALL_QUEUES } from './queue-names.util.js';
import { QueueService } from './queue.service.js';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'pa_queue_dashboard';
const ENTER_AUDIENCE = 'pa-queue-dashboard-enter';
const SESSION_AUDIENCE = 'pa-queue-dashboard';
const ENTER_SECONDS = 60;
const SESSION_SECONDS = 15 * 60;

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for admins. A browser cannot send a bearer token when an
 * admin follows a link, so entry goes through an exchange: an admin's API call (with the bearer token) answers a
 * one-minute address; opening it sets an HttpOnly, SameSite=Strict cookie scoped to /admin/queues that lasts 15
 * minutes. Both are JWTs signed with JWT_SECRET under audiences of their own and carry no role: neither is accepted
 * by the API, and no API token is accepted by the dashboard.
 */
@Injectable()
export class QueueDashboardService implements OnModuleInit {
  private readonly secret: Uint8Array;

  constructor(
    private readonly queues: QueueService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.secret = new TextEncoder().encode(config.jwtSecret);
  }

  /** The address an admin (`subject`) opens to enter the dashboard, valid for a minute. */
  async enterUrl(subject: string): Promise<{ url: string; expiresAt: string }> {
    const expires = Math.floor(Date.now() / 1000) + ENTER_SECONDS;
    const code = await this.sign(subject, ENTER_AUDIENCE, expires);
    return {
      url: `${DASHBOARD_PATH}/enter?code=${encodeURIComponent(code)}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify === undefined || this.config.processRole === 'worker') return;
    const board = new BullBoardFastifyAdapter();
    board.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: ALL_QUEUES.map((name) => new BullMQAdapter(this.queues.queue(name) as never)),
      serverAdapter: board,
    });

    fastify.get(`${DASHBOARD_PATH}/enter`, async (request, reply) => {
      const code = (request.query as { code?: unknown }).code;
      const subject = typeof code === 'string' ? await this.verify(code, ENTER_AUDIENCE) : undefined;
      if (subject === undefined) return this.refuse(reply);
      const session = await this.sign(
        subject,
        SESSION_AUDIENCE,
        Math.floor(Date.now() / 1000) + SESSION_SECONDS,
      );
      const secure = this.config.production ? '; Secure' : '';
      return reply
        .header(
          'set-cookie',
          `${COOKIE}=${session}; Path=${DASHBOARD_PATH}; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict${secure}`,
        )
        .redirect(DASHBOARD_PATH, 303);
    });

    void fastify.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if ((await this.verify(cookieOf(request, COOKIE) ?? '', SESSION_AUDIENCE)) === undefined) {
          this.refuse(reply);
          return reply;
        }
        return undefined;
      });
      await scope.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
    });
  }

  private refuse(reply: FastifyReply): FastifyReply {
    sendProblem(
      reply,
      problem(
        401,
        `The queue dashboard wants an admin session: POST /api/v1/queue-dashboard/sessions, then open its url`,
      ),
    );
    return reply;
  }

  private sign(subject: string, audience: string, expires: number): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(this.secret);
  }

  private async verify(token: string, audience: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], audience });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
