import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { jwtVerify } from 'jose';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DomainException } from '../common/domain.exception.js';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { ROLES } from './caller.js';
import type { Caller, Role } from './caller.js';

/** Verifies the bearer token (HS256 only, so `alg: none` and algorithm swaps fail) and the endpoint's roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly secret: Uint8Array;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    this.secret = new TextEncoder().encode(config.jwtSecret);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; caller?: Caller }>();
    const caller = await this.verify(request.headers.authorization);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(caller.role)) throw DomainException.forbidden();
    request.caller = caller;
    return true;
  }

  private async verify(header: string | undefined): Promise<Caller> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '');
    if (!match?.[1]) throw DomainException.unauthenticated();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], this.secret, { algorithms: ['HS256'] }));
    } catch {
      throw DomainException.unauthenticated('The bearer token is invalid or expired');
    }
    const { sub, role, department } = payload;
    if (typeof sub !== 'string' || sub === '' || !ROLES.includes(role as Role)) {
      throw DomainException.unauthenticated(
        'The token must carry a sub and a role of admin, officer or applicant',
      );
    }
    if (role === 'officer' && (typeof department !== 'string' || department === '')) {
      throw DomainException.unauthenticated('An officer token must carry a department');
    }
    return { id: sub, role: role as Role, department: typeof department === 'string' ? department : null };
  }
}
