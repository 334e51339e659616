import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { JWTClaimVerificationOptions } from 'jose';
import { hs256Verifier } from './hs256.util.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, signed with HMAC-SHA256 under `secret` whatever its header says. */
function forge(header: unknown, payload: unknown, secret = SECRET): string {
  const signed = `${b64(header)}.${typeof payload === 'string' ? Buffer.from(payload).toString('base64url') : b64(payload)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

async function joseAccepts(token: string, options: JWTClaimVerificationOptions): Promise<boolean> {
  try {
    await jwtVerify(token, key, { ...options, algorithms: ['HS256'] });
    return true;
  } catch {
    return false;
  }
}

function ours(token: string, options: JWTClaimVerificationOptions): boolean {
  try {
    hs256Verifier(SECRET, options)(token);
    return true;
  } catch {
    return false;
  }
}

describe('hs256Verifier', () => {
  it('returns the payload of a token jose signed with the secret', async () => {
    const token = await new SignJWT({ sub: 'ann', role: 'applicant' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    expect(hs256Verifier(SECRET, {})(token)).toMatchObject({ sub: 'ann', role: 'applicant' });
  });

  it('refuses another secret, another algorithm, alg none, a crit header and a signature spelled otherwise', () => {
    const payload = { sub: 'ann', exp: now() + 60 };
    const good = forge({ alg: 'HS256', typ: 'JWT' }, payload);
    const [header, body, signature] = good.split('.') as [string, string, string];
    const refused = [
      forge({ alg: 'HS256' }, payload, 'another-secret-of-thirty-two-characters'),
      forge({ alg: 'HS384' }, payload),
      forge({ alg: 'none' }, payload),
      `${b64({ alg: 'none' })}.${body}.`,
      forge({ alg: 'HS256', crit: ['b64'], b64: false }, payload),
      `${header}.${body}.${signature}A`,
      `${header}.${body}.${signature.slice(0, -1)}`,
      `${header}.${body}.${signature}=`,
      `${header}.${body}`,
      `${header}.${body}.${signature}.x`,
    ];
    const verify = hs256Verifier(SECRET, {});
    expect(() => verify(good)).not.toThrow();
    for (const token of refused) expect(() => verify(token)).toThrow();
  });

  it('checks the claims as jose does: expiry, not-before, issuer, audience and the types of dates', async () => {
    const options: JWTClaimVerificationOptions[] = [
      {},
      { issuer: 'idp', audience: 'pa' },
      { clockTolerance: 30 },
    ];
    const t = now();
    const payloads: unknown[] = [
      { sub: 'a' },
      { sub: 'a', exp: t + 60 },
      { sub: 'a', exp: t - 1 },
      { sub: 'a', exp: t },
      { sub: 'a', nbf: t + 60 },
      { sub: 'a', nbf: t - 60 },
      { sub: 'a', nbf: t + 20 },
      { sub: 'a', exp: t - 20 },
      { sub: 'a', iat: 'yesterday' },
      { sub: 'a', exp: '2099-01-01' },
      { sub: 'a', iss: 'idp', aud: 'pa' },
      { sub: 'a', iss: 'idp', aud: ['other', 'pa'] },
      { sub: 'a', iss: 'other', aud: 'pa' },
      { sub: 'a', iss: 'idp', aud: 'other' },
      { sub: 'a', iss: 'idp' },
      [1, 2],
      'not json',
      'null',
    ];
    let accepted = 0;
    for (const option of options)
      for (const payload of payloads) {
        const token = forge({ alg: 'HS256' }, payload);
        const expected = await joseAccepts(token, option);
        expect({ payload, option, accepted: ours(token, option) }).toEqual({
          payload,
          option,
          accepted: expected,
        });
        if (expected) accepted++;
      }
    // Both outcomes occur, so the comparison above is not between two verifiers that refuse everything.
    expect(accepted).toBeGreaterThan(4);
    expect(accepted).toBeLessThan(options.length * payloads.length - 4);
  });
});
