import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, UnsecuredJWT } from 'jose';
import type { JWTClaimVerificationOptions, JWTPayload } from 'jose';

/** The header of the claims-only token that hands a verified payload to jose's claim checks (see hs256Verifier). */
const CLAIMS_ONLY_HEADER = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');

/**
 * A checker of HS256 tokens under one secret: the signature with node:crypto, then the claims exactly as jose's
 * `jwtVerify` checks them (exp, nbf, iat's type, issuer, audience). jose checks HMACs through WebCrypto, an
 * asynchronous job: 65–100 µs of CPU a token against 11–21 µs for this check (docs/benchmarks.md, twenty-third
 * round), and every applicant's first request brings a token not seen yet. The claims go to jose's
 * `UnsecuredJWT.decode` under a header of this function's own, made only once the signature has verified, so they
 * are checked by the same code as a JWKS token's. Throws on anything else: another algorithm, a `crit` header (no
 * extension is understood here), a signature not in canonical base64url, a wrong signature, a failed claim.
 */
export function hs256Verifier(
  secret: string,
  options: JWTClaimVerificationOptions,
): (token: string) => JWTPayload {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('not a compact JWS');
    const [header, payload, signature] = parts as [string, string, string];
    const { alg, crit } = decodeProtectedHeader(token);
    if (alg !== 'HS256' || crit !== undefined) throw new Error('not an HS256 token');
    const given = Buffer.from(signature, 'base64url');
    // Buffer's decoder skips what is not base64url: only the one spelling of the signature is accepted.
    if (given.toString('base64url') !== signature) throw new Error('the signature is not base64url');
    const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Error('the signature does not verify');
    return UnsecuredJWT.decode(`${CLAIMS_ONLY_HEADER}.${payload}.`, options).payload;
  };
}
