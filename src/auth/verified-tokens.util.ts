import type { JWTPayload } from 'jose';

export interface VerifiedTokensOptions {
  /** How many tokens are remembered; the oldest is forgotten first. */
  maxEntries: number;
  /** How long a verified signature is trusted without checking it again (bounds a JWKS key's revocation). */
  maxAgeMs: number;
}

/**
 * Tokens whose signature and claims were verified, and their payloads. A client sends the same token with every
 * request for its whole life; verifying its HMAC or signature again each time was a fifth of the server's CPU under
 * load. An entry lasts until the token expires (`exp`, as the verifier counts it: expired once its second has
 * come) or `maxAgeMs`, whichever comes first; the caller still checks the token's age on every use. Only tokens
 * that verified are remembered, so a flood of bad tokens cannot grow it, and its size is bounded anyway.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { payload: JWTPayload; until: number }>();

  constructor(private readonly options: VerifiedTokensOptions) {}

  get(token: string, nowMs: number): JWTPayload | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs < entry.until) return entry.payload;
    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, payload: JWTPayload, nowMs: number): void {
    const until = Math.min(
      nowMs + this.options.maxAgeMs,
      typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity,
    );
    if (!(until > nowMs) || this.options.maxEntries <= 0) return;
    if (this.entries.size >= this.options.maxEntries && !this.entries.has(token)) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { payload, until });
  }
}
