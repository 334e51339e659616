import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { eventually } from './support/eventually.js';
import { expectProblem, registerWorkflow, simpleWorkflow } from './support/helpers.js';
import { applicant, TestApp } from './support/test-app.js';
import type { Reply } from './support/test-app.js';

const limits = (overrides: Partial<typeof SECURITY_DEFAULTS>) => ({
  config: { security: { ...SECURITY_DEFAULTS, rateLimitWindowMs: 60_000, ...overrides } },
});

function expectTooMany(reply: Reply, limit: RegExp): void {
  expectProblem(reply, 429);
  const retryAfter = Number(reply.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(reply.body.detail).toMatch(limit);
}

describe('rate limits per caller, with a cheaper budget for polls answered 304', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(
      limits({ rateLimitPerAddress: 1000, rateLimitPerCaller: 5, rateLimitPollsPerCaller: 40 }),
    );
    await registerWorkflow(
      t,
      simpleWorkflow('polled', [{ id: 'look', timeLimit: { hours: 1 } }], () => 'dept'),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After past a caller budget, and other callers are not affected', async () => {
    const amy = applicant('amy');
    for (let i = 0; i < 5; i++)
      expect((await t.request('GET', '/api/v1/applications', { as: amy })).status).toBe(200);
    expectTooMany(await t.request('GET', '/api/v1/applications', { as: amy }), /caller limit/);
    expect((await t.request('GET', '/api/v1/applications', { as: applicant('ben') })).status).toBe(200);
  });

  it('lets a caller poll far past the caller budget while the answer is 304, but not with stale tags', async () => {
    const cy = applicant('cy');
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: cy,
      body: { workflow: 'polled', data: {} },
    });
    expect(submitted.status).toBe(201);
    const etag = submitted.headers.get('etag')!;
    const path = `/api/v1/applications/${submitted.body.id}`;
    for (let i = 0; i < 20; i++) {
      expect((await t.request('GET', path, { as: cy, headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    // A poll answered in full costs the full budget too: four stale polls use up what the submission left.
    for (let i = 0; i < 4; i++) {
      expect((await t.request('GET', path, { as: cy, headers: { 'if-none-match': '"stale"' } })).status).toBe(
        200,
      );
    }
    expectTooMany(await t.request('GET', path, { as: cy }), /caller limit/);
  });

  it("refuses a caller's polls once polls answered in full have used up its budget, so a stale tag buys no more", async () => {
    const di = applicant('di');
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: di,
      body: { workflow: 'polled', data: {} },
    });
    const etag = submitted.headers.get('etag')!;
    const path = `/api/v1/applications/${submitted.body.id}`;
    const stale = () =>
      t.request('GET', '/api/v1/applications', { as: di, headers: { 'if-none-match': '"x"' } });
    // The submission and four full answers spend the budget of five; the next full answer passes it, and is the
    // last: its charge is made once it is answered.
    for (let i = 0; i < 5; i++) expect((await stale()).status).toBe(200);
    const refused = await eventually(stale, (reply) => reply.status === 429, { timeoutMs: 5_000 });
    expectTooMany(refused, /caller limit/);
    // A poll that would be answered 304 waits for the window too: the caller has had its share.
    expectTooMany(
      await t.request('GET', path, { as: di, headers: { 'if-none-match': etag } }),
      /caller limit/,
    );
    // Others poll as before.
    expect((await t.request('GET', '/api/v1/applications', { as: applicant('eve') })).status).toBe(200);
  });
});

describe('rate limits per address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(limits({ rateLimitPerAddress: 8, rateLimitPerCaller: 100 }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts every request from one address, bad tokens included, and leaves /health alone', async () => {
    for (let i = 0; i < 4; i++) expectProblem(await t.request('GET', '/api/v1/applications'), 401);
    for (let i = 0; i < 4; i++) {
      expect((await t.request('GET', '/api/v1/applications', { as: applicant(`u${i}`) })).status).toBe(200);
    }
    expectTooMany(await t.request('GET', '/api/v1/applications', { as: applicant('new') }), /address limit/);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });
});

describe('rate limits per address, before a token never seen is verified', () => {
  let t: TestApp;
  let keySetRequests = 0;
  const keys = createServer((_request, response) => {
    keySetRequests += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [published] }));
  });
  let published: Record<string, unknown>;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    published = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const { port } = keys.address() as AddressInfo;
    t = await TestApp.start(
      limits({
        rateLimitPerAddress: 2,
        rateLimitPerCaller: 100,
        jwtJwksUrl: `http://127.0.0.1:${port}/certs`,
      }),
    );
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => keys.close(resolve));
  });

  it('refuses an address past its limit without checking a new token, so the key set is never fetched for it', async () => {
    for (let i = 0; i < 2; i++) expectProblem(await t.request('GET', '/api/v1/applications'), 401);
    const token = await new SignJWT({ role: 'applicant' })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setSubject('ann')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(signingKey);
    const reply = await t.request('GET', '/api/v1/applications', {
      headers: { authorization: `Bearer ${token}` },
    });
    expectTooMany(reply, /address limit/);
    expect(keySetRequests).toBe(0);
  });
});

describe('rate limits across processes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await TestApp.start(limits({ rateLimitPerCaller: 4 }));
    b = await TestApp.start({
      ...limits({ rateLimitPerCaller: 4 }),
      databaseUrl: a.databaseUrl,
      queuePrefix: new URL(a.databaseUrl).pathname.slice(1),
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('shares the counters through Redis when REDIS_URL is set; counts per process otherwise', async () => {
    const dee = applicant('dee');
    for (let i = 0; i < 2; i++)
      expect((await a.request('GET', '/api/v1/applications', { as: dee })).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await b.request('GET', '/api/v1/applications', { as: dee })).status).toBe(200);
    const fifth = await b.request('GET', '/api/v1/applications', { as: dee });
    if (process.env.REDIS_URL) expectTooMany(fifth, /caller limit/);
    else expect(fifth.status).toBe(200);
  });
});
