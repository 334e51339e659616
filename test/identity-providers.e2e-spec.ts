import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOCK_SKEW_SECONDS } from '../src/auth/claims.util.js';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { expectProblem, registerWorkflow, simpleWorkflow, submitApplication } from './support/helpers.js';
import { eventually } from './support/eventually.js';
import { JWT_SECRET, officer, TestApp } from './support/test-app.js';

const ISSUER = 'https://idp.example.test/realms/gov';
const AUDIENCE = 'parallel-approvals';

interface Key {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string, alg: Key['alg']): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A key set server the test controls: which keys it publishes, and how often it was asked. */
async function jwksServer(): Promise<{
  url: string;
  publish: (keys: Key[]) => void;
  close: () => Promise<void>;
}> {
  let keys: Key[] = [];
  const server: Server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/protocol/openid-connect/certs`,
    publish: (next) => {
      keys = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Claims {
  sub?: string;
  realm_access?: { roles: string[] };
  departments?: string[] | string;
  iss?: string;
  aud?: string;
}

/** A token as an identity provider would issue it; `iat: null` leaves the issue time out. */
function idpToken(
  key: Key,
  claims: Claims,
  options: { iat?: number | null; exp?: string | number | null; nbf?: number } = {},
): Promise<string> {
  const { iss = ISSUER, aud = AUDIENCE, sub = 'someone', ...rest } = claims;
  const jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject(sub)
    .setIssuer(iss)
    .setAudience(aud);
  if (options.iat !== null) jwt.setIssuedAt(options.iat);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '10m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

const bearer = (token: string, scheme = 'Bearer') => ({ headers: { authorization: `${scheme} ${token}` } });

describe('identity providers: tokens signed by keys from JWT_JWKS_URL', () => {
  let t: TestApp;
  let idp: Awaited<ReturnType<typeof jwksServer>>;
  let rsa: Key;
  let ec: Key;
  const applicantClaims: Claims = { sub: 'ann', realm_access: { roles: ['offline_access', 'applicant'] } };

  beforeAll(async () => {
    idp = await jwksServer();
    rsa = await newKey('rsa-1', 'RS256');
    ec = await newKey('ec-1', 'ES256');
    idp.publish([rsa, ec]);
    t = await TestApp.start({
      config: {
        security: {
          ...SECURITY_DEFAULTS,
          jwtJwksUrl: idp.url,
          jwtIssuer: ISSUER,
          jwtAudience: AUDIENCE,
          jwtMaxTokenAgeSeconds: 3600,
          jwtRoleClaim: 'realm_access.roles',
          jwtDepartmentClaim: 'departments',
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('accepts RS256 and ES256 tokens with the configured issuer, audience and claim names', async () => {
    for (const key of [rsa, ec]) {
      const reply = await t.request(
        'GET',
        '/api/v1/applications',
        bearer(await idpToken(key, applicantClaims)),
      );
      expect(reply.status).toBe(200);
    }
  });

  it('accepts the scheme in any case', async () => {
    const token = await idpToken(rsa, applicantClaims);
    expect((await t.request('GET', '/api/v1/applications', bearer(token, 'bearer'))).status).toBe(200);
    expect((await t.request('GET', '/api/v1/applications', bearer(token, 'BEARER'))).status).toBe(200);
  });

  it('refuses a wrong issuer or audience, an unknown key, and a token too old by its iat', async () => {
    const stranger = await newKey('rsa-1', 'RS256'); // same kid, different key: the signature fails
    const tokens = [
      await idpToken(rsa, { ...applicantClaims, iss: 'https://evil.example.test' }),
      await idpToken(rsa, { ...applicantClaims, aud: 'another-app' }),
      await idpToken(stranger, applicantClaims),
      await idpToken(rsa, applicantClaims, { iat: Math.floor(Date.now() / 1000) - 7200, exp: '1h' }),
      await idpToken(rsa, applicantClaims, { exp: null, iat: Math.floor(Date.now() / 1000) - 7200 }),
    ];
    for (const token of tokens) {
      const reply = await t.request('GET', '/api/v1/applications', bearer(token));
      expectProblem(reply, 401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="parallel-approvals"');
    }
  });

  it('refuses an RS256 or ES256 token issued in the future beyond the clock skew, with or without a far exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tenYears = 10 * 365 * 86_400;
    for (const key of [rsa, ec]) {
      for (const token of [
        await idpToken(key, applicantClaims, { iat: now + tenYears, exp: null }),
        await idpToken(key, applicantClaims, { iat: now + tenYears, exp: now + tenYears + 600 }),
        await idpToken(key, applicantClaims, { iat: now + CLOCK_SKEW_SECONDS + 120 }),
      ]) {
        const reply = await t.request('GET', '/api/v1/applications', bearer(token));
        expectProblem(reply, 401);
        expect(reply.body.detail).toMatch(/future/);
      }
    }
    // An issuer whose clock runs a little ahead is still believed.
    const ahead = await idpToken(rsa, applicantClaims, { iat: now + 5 });
    expect((await t.request('GET', '/api/v1/applications', bearer(ahead))).status).toBe(200);
  });

  it('gives an RS256 or ES256 token the same minute of clock skew on nbf as an HS256 one, and none on exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const status = async (key: Key, options: { iat: number; nbf?: number; exp?: number }) =>
      (await t.request('GET', '/api/v1/applications', bearer(await idpToken(key, applicantClaims, options))))
        .status;
    for (const key of [rsa, ec]) {
      expect(await status(key, { iat: now, nbf: now + 20 })).toBe(200);
      expect(await status(key, { iat: now, nbf: now + 120 })).toBe(401);
      expect(await status(key, { iat: now - 600, exp: now - 2 })).toBe(401);
    }
  });

  it('accepts a token without iat whose exp lies within the maximum age, and no other token without iat', async () => {
    const status = async (options: { exp?: string | null }) =>
      (
        await t.request(
          'GET',
          '/api/v1/applications',
          bearer(await idpToken(rsa, applicantClaims, { iat: null, ...options })),
        )
      ).status;
    expect(await status({})).toBe(200);
    // The maximum age here is an hour: a provider's token it cannot date, and that outlives it, has no bound.
    expect(await status({ exp: '2h' })).toBe(401);
    const neither = await t.request(
      'GET',
      '/api/v1/applications',
      bearer(await idpToken(rsa, applicantClaims, { iat: null, exp: null })),
    );
    expect(neither.status).toBe(401);
    expect(neither.body.detail).toBe('The token carries neither exp nor iat');
  });

  it('still accepts HS256 tokens signed with JWT_SECRET, with the same issuer, audience and claims', async () => {
    const token = await new SignJWT({ realm_access: { roles: ['applicant'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await t.request('GET', '/api/v1/applications', bearer(token))).status).toBe(200);
    // The contract's own tokens need neither iat nor exp, and an exp is honoured however far: a month ahead,
    // past the hour of maximum age here, as no provider's token without iat may be.
    const undated = await new SignJWT({ realm_access: { roles: ['applicant'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('30d')
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await t.request('GET', '/api/v1/applications', bearer(undated))).status).toBe(200);
  });

  it('gives an officer of several departments one inbox over all of them, and each task', async () => {
    const workflow = simpleWorkflow(
      'two-departments',
      [
        { id: 'permit', timeLimit: { hours: 8 } },
        { id: 'inspect', timeLimit: { hours: 8 } },
        { id: 'tax', timeLimit: { hours: 8 } },
      ],
      (id) => (id === 'permit' ? 'planning' : id === 'inspect' ? 'building' : 'tax-office'),
    );
    const adminToken = await idpToken(rsa, { sub: 'root', realm_access: { roles: ['admin'] } });
    const registered = await t.request('POST', '/api/v1/workflows', {
      ...bearer(adminToken),
      body: workflow,
    });
    expect(registered.status).toBe(201);
    const submitted = await t.request('POST', '/api/v1/applications', {
      ...bearer(await idpToken(rsa, applicantClaims)),
      body: { workflow: 'two-departments', data: {} },
    });
    expect(submitted.status).toBe(201);

    const both = await idpToken(ec, {
      sub: 'olga',
      realm_access: { roles: ['officer'] },
      departments: ['planning', 'building'],
    });
    const inbox = await t.request('GET', '/api/v1/tasks', bearer(both));
    expect(inbox.status).toBe(200);
    const mine = inbox.body.items.filter(
      (i: { applicationId: string }) => i.applicationId === submitted.body.id,
    );
    expect(mine.map((i: { department: string }) => i.department).sort()).toEqual(['building', 'planning']);
    for (const item of mine) {
      expect((await t.request('GET', `/api/v1/tasks/${item.id}`, bearer(both))).status).toBe(200);
    }

    const planningOnly = await idpToken(ec, {
      sub: 'pat',
      realm_access: { roles: ['officer'] },
      departments: 'planning',
    });
    const building = mine.find((i: { department: string }) => i.department === 'building');
    expectProblem(await t.request('GET', `/api/v1/tasks/${building.id}`, bearer(planningOnly)), 404);
  });

  it('follows a key rotation: the new key is fetched when first seen, the retired key stops working', async () => {
    const before = await idpToken(rsa, applicantClaims);
    expect((await t.request('GET', '/api/v1/applications', bearer(before))).status).toBe(200);

    const next = await newKey('rsa-2', 'RS256');
    idp.publish([next, ec]);
    const rotated = await idpToken(next, applicantClaims);
    // An unknown key id refetches the set, at most once per cool-down: wait for it rather than for a fixed time.
    await eventually(
      async () => (await t.request('GET', '/api/v1/applications', bearer(rotated))).status,
      (status) => status === 200,
      { timeoutMs: 15_000, everyMs: 500 },
    );
    // A token the service has not seen: RS256 signs deterministically, so the same claims within the same second
    // would make the very token verified before the rotation, which is trusted for up to a minute once verified.
    const retired = await t.request(
      'GET',
      '/api/v1/applications',
      bearer(await idpToken(rsa, { ...applicantClaims, sub: 'ann-after-rotation' })),
    );
    expectProblem(retired, 401);
  });
});

describe('HS256 tokens without an identity provider', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses an RS256 token when no JWT_JWKS_URL is configured', async () => {
    const key = await newKey('k', 'RS256');
    const reply = await t.request('GET', '/api/v1/applications', bearer(await idpToken(key, { sub: 'ann' })));
    expectProblem(reply, 401);
  });

  it('bounds a token without exp by its age', async () => {
    const old = await new SignJWT({ role: 'applicant' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuedAt(Math.floor(Date.now() / 1000) - SECURITY_DEFAULTS.jwtMaxTokenAgeSeconds - 60)
      .sign(new TextEncoder().encode(JWT_SECRET));
    expectProblem(await t.request('GET', '/api/v1/applications', bearer(old)), 401);
    const fresh = await t.token({ role: 'applicant', sub: 'ann' });
    expect((await t.request('GET', '/api/v1/applications', bearer(fresh))).status).toBe(200);
  });

  it('refuses an HS256 token issued in the future beyond the clock skew, which the maximum age would never reach', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tenYears = 10 * 365 * 86_400;
    const sign = (iat: number, exp?: number) => {
      const jwt = new SignJWT({ role: 'applicant' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann');
      jwt.setIssuedAt(iat);
      if (exp !== undefined) jwt.setExpirationTime(exp);
      return jwt.sign(new TextEncoder().encode(JWT_SECRET));
    };
    for (const token of [
      await sign(now + tenYears),
      await sign(now + tenYears, now + tenYears + 600),
      await sign(now + CLOCK_SKEW_SECONDS + 120),
    ]) {
      const reply = await t.request('GET', '/api/v1/applications', bearer(token));
      expectProblem(reply, 401);
      expect(reply.body.detail).toMatch(/future/);
    }
    expect((await t.request('GET', '/api/v1/applications', bearer(await sign(now + 5)))).status).toBe(200);
  });

  it('accepts an officer token naming several departments', async () => {
    await registerWorkflow(
      t,
      simpleWorkflow(
        'pair',
        [
          { id: 'aa', timeLimit: { hours: 1 } },
          { id: 'bb', timeLimit: { hours: 1 } },
        ],
        (id) => (id === 'aa' ? 'dept-a' : 'dept-b'),
      ),
    );
    const id = await submitApplication(t, 'pair');
    const token = await t.token(officer('dept-a', 'multi'), { departments: ['dept-a', 'dept-b'] });
    const inbox = await t.request('GET', '/api/v1/tasks', bearer(token));
    const mine = inbox.body.items.filter((i: { applicationId: string }) => i.applicationId === id);
    expect(mine).toHaveLength(2);
  });
});
