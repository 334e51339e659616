import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DomainException } from '../common/domain.exception.js';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import type { Caller, Role } from './caller.js';
import {
  CLOCK_SKEW_SECONDS,
  callerFromClaims,
  providerTokenProblem,
  tokenAgeProblem,
  tokenEndsAt,
} from './claims.util.js';
import type { ClaimNames } from './claims.util.js';
import { hs256Verifier } from './hs256.util.js';
import { VerifiedTokens } from './verified-tokens.util.js';

/** Asymmetric algorithms an identity provider may sign with; the key set decides which key, never the token. */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];
/** A token naming an unknown key id refetches the key set at most this often (key rotation). */
const JWKS_COOLDOWN_MS = 5_000;
/** A verified token is trusted this long before its signature is checked again (and a JWKS key's removal felt). */
const VERIFIED_TOKEN_MS = 60_000;
const VERIFIED_TOKENS = 10_000;

type Verifier = (token: string) => JWTPayload | Promise<JWTPayload>;

/**
 * Verifies the bearer token and the endpoint's roles. HS256 tokens are checked with JWT_SECRET; RS256/ES256 tokens
 * with the keys at JWT_JWKS_URL when it is set. `alg: none` and algorithm swaps fail: each key type accepts only its
 * own algorithms. Issuer, audience and the maximum token age apply to both.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly hs256: Verifier;
  private readonly jwks: Verifier | null;
  private readonly claims: ClaimNames;
  private readonly maxTokenAgeSeconds: number;
  private readonly verified = new VerifiedTokens({
    maxEntries: VERIFIED_TOKENS,
    maxAgeMs: VERIFIED_TOKEN_MS,
  });

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    const security = config.security;
    this.maxTokenAgeSeconds = security.jwtMaxTokenAgeSeconds;
    const common: JWTVerifyOptions = {
      // An issuer whose clock runs a little fast stamps nbf in our future: the same room as for iat. jose gives
      // exp the same room, but tokenAgeProblem then refuses every token whose exp has come.
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(security.jwtIssuer !== undefined ? { issuer: security.jwtIssuer } : {}),
      ...(security.jwtAudience !== undefined ? { audience: security.jwtAudience } : {}),
    };
    this.hs256 = hs256Verifier(config.jwtSecret, common);
    if (security.jwtJwksUrl !== undefined) {
      const keys = createRemoteJWKSet(new URL(security.jwtJwksUrl), {
        cooldownDuration: JWKS_COOLDOWN_MS,
        timeoutDuration: 5_000,
      });
      this.jwks = async (token) =>
        (await jwtVerify(token, keys, { ...common, algorithms: JWKS_ALGORITHMS })).payload;
    } else {
      this.jwks = null;
    }
    this.claims = { role: security.jwtRoleClaim, department: security.jwtDepartmentClaim };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; caller?: Caller }>();
    const caller = request.caller ?? (await this.authenticate(request.headers.authorization));
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(caller.role)) throw DomainException.forbidden();
    request.caller = caller;
    return true;
  }

  /**
   * True when the header's token verified a short while ago, so that `authenticate` checks no signature: the request
   * hook counts a request with any other token against its address before that check is made.
   */
  remembers(header: string | undefined): boolean {
    const token = bearerToken(header);
    return token !== null && this.verified.get(token, Date.now()) !== undefined;
  }

  /** The caller a bearer header names; a 401 DomainException otherwise. Also used before the body is read. */
  async authenticate(header: string | undefined): Promise<Caller> {
    const token = bearerToken(header);
    if (token === null) throw DomainException.unauthenticated();
    const now = Date.now();
    let payload = this.verified.get(token, now);
    if (payload === undefined) {
      let verify: Verifier | null;
      try {
        const { alg } = decodeProtectedHeader(token);
        verify =
          alg === 'HS256' ? this.hs256 : this.jwks && JWKS_ALGORITHMS.includes(alg ?? '') ? this.jwks : null;
        if (!verify) throw new Error('unsupported algorithm');
        payload = await verify(token);
      } catch {
        throw DomainException.unauthenticated('The bearer token is invalid or expired');
      }
      // Checked once, before it is remembered: what makes a provider's token unusable does not pass with time.
      const problem =
        verify === this.jwks
          ? providerTokenProblem(payload, Math.floor(now / 1000), this.maxTokenAgeSeconds)
          : null;
      if (problem) throw DomainException.unauthenticated(problem);
      this.verified.remember(token, payload, now);
    }
    const tooOld = tokenAgeProblem(payload, Math.floor(now / 1000), this.maxTokenAgeSeconds);
    if (tooOld) throw DomainException.unauthenticated(tooOld);
    const result = callerFromClaims(payload, this.claims);
    if ('error' in result) throw DomainException.unauthenticated(result.error);
    const endsAt = tokenEndsAt(payload, this.maxTokenAgeSeconds);
    return { ...result.caller, ...(endsAt !== undefined ? { validUntil: endsAt * 1000 } : {}) };
  }
}

/** The token of a bearer header, or null; the scheme is case-insensitive (RFC 9110 §11.1). */
function bearerToken(header: string | undefined): string | null {
  return /^bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '')?.[1] ?? null;
}
