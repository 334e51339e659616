import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expectProblem, inboxTask } from './support/helpers.js';
import { ADMIN, applicant, FIXTURES, JWT_SECRET, officer, TestApp } from './support/test-app.js';
import type { Caller } from './support/test-app.js';

const ann = applicant('ann');
const bob = applicant('bob');
const fireOfficer = officer('fire-rescue');
const foodOfficer = officer('food-safety');
const data = {
  applicant: { name: 'Ann Li', idNumber: '11010119900307123X' },
  address: '1 Long Street',
  seats: 12,
  sellsAlcohol: false,
};
const secret = new TextEncoder().encode(JWT_SECRET);

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token signed with the right secret but with whatever claims the test wants. */
function signClaims(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret);
}

describe('who may call what', () => {
  let t: TestApp;
  let annsApplication: string;
  let fireTask: string;

  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'shop-permit', data },
    });
    expect(submitted.status).toBe(201);
    annsApplication = submitted.body.id;
    fireTask = (await inboxTask(t, 'fire-rescue', annsApplication)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const withBearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  describe('401 for a caller who is not authenticated', () => {
    it('rejects a request without a token', async () => {
      expectProblem(await t.request('GET', '/api/v1/workflows'), 401);
      expectProblem(
        await t.request('POST', '/api/v1/applications', { body: { workflow: 'shop-permit', data } }),
        401,
      );
    });

    it('rejects a malformed Authorization header', async () => {
      const valid = await t.token(ann);
      for (const header of [
        'Bearer',
        'Bearer ',
        `Token ${valid}`,
        valid,
        `Bearer ${valid} extra`,
        'Basic YTpi',
      ]) {
        const reply = await t.request('GET', '/api/v1/workflows', { headers: { authorization: header } });
        expectProblem(reply, 401);
      }
    });

    it('rejects a token that is not a JWT', async () => {
      for (const garbage of ['garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln']) {
        expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(garbage)), 401);
      }
    });

    it('rejects an expired token', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const expired = await new SignJWT({ role: 'applicant' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('ann')
        .setIssuedAt(past - 60)
        .setExpirationTime(past)
        .sign(secret);
      expectProblem(await t.request('GET', '/api/v1/applications', withBearer(expired)), 401);
      // The same caller with a live token gets in: it is the expiry that is refused.
      const live = await t.token(ann, { expiresIn: '1h' });
      expect((await t.request('GET', '/api/v1/applications', withBearer(live))).status).toBe(200);
    });

    it('allows a minute of clock skew on nbf, none on exp', async () => {
      const now = Math.floor(Date.now() / 1000);
      const signed = (claims: { nbf: number; exp: number }) =>
        new SignJWT({ role: 'applicant' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('ann')
          .setIssuedAt(Math.min(claims.nbf, now))
          .setNotBefore(claims.nbf)
          .setExpirationTime(claims.exp)
          .sign(secret);
      const status = async (claims: { nbf: number; exp: number }) =>
        (await t.request('GET', '/api/v1/applications', withBearer(await signed(claims)))).status;
      // An issuer whose clock runs 20 s ahead is believed; beyond the minute it is not.
      expect(await status({ nbf: now + 20, exp: now + 3600 })).toBe(200);
      expect(await status({ nbf: now + 120, exp: now + 3600 })).toBe(401);
      // The contract: an expired token gets 401, even one that expired a few seconds ago.
      expect(await status({ nbf: now - 3600, exp: now - 2 })).toBe(401);
      expect(await status({ nbf: now - 3600, exp: now + 60 })).toBe(200);
    });

    it('accepts a token with neither exp nor iat, as the contract allows', async () => {
      const bare = await new SignJWT({ sub: 'ann', role: 'applicant' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(secret);
      expect((await t.request('GET', '/api/v1/applications', withBearer(bare))).status).toBe(200);
    });

    it('rejects a token signed with another secret', async () => {
      const forged = await t.token(ADMIN, { secret: 'another-secret-that-is-long-enough-for-hs256-xyz' });
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(forged)), 401);
    });

    it('rejects an unsigned token (alg: none)', async () => {
      const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'root', role: 'admin' })}.`;
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(none)), 401);
      expectProblem(await t.request('POST', '/api/v1/workflows', { ...withBearer(none), body: {} }), 401);
    });

    it('rejects a signature spelled otherwise than in base64url and a header naming extensions (crit)', async () => {
      const token = await signClaims({ sub: 'root', role: 'admin' });
      expect((await t.request('GET', '/api/v1/workflows', withBearer(token))).status).toBe(200);
      // The same signature bytes, one padding character more: a different token, refused.
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(`${token}=`)), 401);
      const signed = `${b64url({ alg: 'HS256', crit: ['exp'] })}.${b64url({ sub: 'root', role: 'admin' })}`;
      const withCrit = `${signed}.${createHmac('sha256', JWT_SECRET).update(signed).digest('base64url')}`;
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(withCrit)), 401);
    });

    it('rejects a token whose role is missing or unknown', async () => {
      expectProblem(
        await t.request('GET', '/api/v1/workflows', withBearer(await signClaims({ sub: 'x' }))),
        401,
      );
      const superuser = await signClaims({ sub: 'x', role: 'superuser' });
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(superuser)), 401);
      const noSub = await signClaims({ role: 'admin' });
      expectProblem(await t.request('GET', '/api/v1/workflows', withBearer(noSub)), 401);
    });

    it('rejects an officer token without a department', async () => {
      const token = await t.token({ role: 'officer', sub: 'nobody' });
      expectProblem(await t.request('GET', '/api/v1/tasks', withBearer(token)), 401);
    });
  });

  describe('403 for a role that may not use an endpoint', () => {
    it('keeps applicants from registering workflows', async () => {
      const reply = await t.request('POST', '/api/v1/workflows', { as: ann, body: { key: 'x' } });
      expectProblem(reply, 403);
      const analyze = await t.request('POST', '/api/v1/workflows/analyze', { as: ann, body: { key: 'x' } });
      expectProblem(analyze, 403);
    });

    it('keeps officers from submitting applications', async () => {
      const reply = await t.request('POST', '/api/v1/applications', {
        as: fireOfficer,
        body: { workflow: 'shop-permit', data },
      });
      expectProblem(reply, 403);
    });

    it('keeps applicants out of the task inbox and task views', async () => {
      expectProblem(await t.request('GET', '/api/v1/tasks', { as: ann }), 403);
      expectProblem(await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: ann }), 403);
    });

    it('keeps admins from deciding tasks', async () => {
      const reply = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: ADMIN,
        body: { outcome: 'approve' },
      });
      expectProblem(reply, 403);
      const task = await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: fireOfficer });
      expect(task.body.status).toBe('open');
    });

    it('keeps officers from reading applications', async () => {
      expectProblem(
        await t.request('GET', `/api/v1/applications/${annsApplication}`, { as: fireOfficer }),
        403,
      );
      expectProblem(await t.request('GET', '/api/v1/applications', { as: fireOfficer }), 403);
    });
  });

  describe('404, not 403, for an object the caller may not see', () => {
    it("hides another applicant's application and its history", async () => {
      const view = await t.request('GET', `/api/v1/applications/${annsApplication}`, { as: bob });
      expectProblem(view, 404);
      const history = await t.request('GET', `/api/v1/applications/${annsApplication}/history`, { as: bob });
      expectProblem(history, 404);
      // Indistinguishable from an application that does not exist at all.
      const missing = await t.request('GET', `/api/v1/applications/${randomUUID()}`, { as: bob });
      expectProblem(missing, 404);
      expect(view.body.detail).toBe(missing.body.detail);
    });

    it("leaves another applicant's application out of the caller's list", async () => {
      const list = await t.request('GET', '/api/v1/applications', { as: bob });
      expect(list.status).toBe(200);
      expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(annsApplication);
    });

    it("hides another department's task, to view and to decide", async () => {
      const view = await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: foodOfficer });
      expectProblem(view, 404);
      const decision = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: foodOfficer,
        body: { outcome: 'approve' },
      });
      expectProblem(decision, 404);
      const task = await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: fireOfficer });
      expect(task.status).toBe(200);
      expect(task.body.status).toBe('open');
      expect(task.body.signoffs).toEqual([]);
      const inbox = await t.request('GET', '/api/v1/tasks', { as: foodOfficer });
      expect(inbox.body.items.map((i: { id: string }) => i.id)).not.toContain(fireTask);
    });

    it('answers 404 for an id that is not a UUID', async () => {
      for (const [caller, path] of [
        [ann, '/api/v1/applications/not-a-uuid'],
        [ann, '/api/v1/applications/1/history'],
        [ADMIN, "/api/v1/applications/'%20OR%201=1"],
        [fireOfficer, '/api/v1/tasks/not-a-uuid'],
        [ADMIN, '/api/v1/tasks/12345'],
      ] as [Caller, string][]) {
        expectProblem(await t.request('GET', path, { as: caller }), 404);
      }
      const decision = await t.request('POST', '/api/v1/tasks/not-a-uuid/decision', {
        as: fireOfficer,
        body: { outcome: 'approve' },
      });
      expectProblem(decision, 404);
    });
  });

  describe('admins read everything', () => {
    it('reads any application and its history', async () => {
      const view = await t.request('GET', `/api/v1/applications/${annsApplication}`, { as: ADMIN });
      expect(view.status).toBe(200);
      expect(view.body.id).toBe(annsApplication);
      const history = await t.request('GET', `/api/v1/applications/${annsApplication}/history`, {
        as: ADMIN,
      });
      expect(history.status).toBe(200);
      expect(history.body.events.length).toBeGreaterThan(0);
    });

    it("lists every applicant's applications", async () => {
      const bobs = await t.request('POST', '/api/v1/applications', {
        as: bob,
        body: { workflow: 'shop-permit', data },
      });
      expect(bobs.status).toBe(201);
      const list = await t.request('GET', '/api/v1/applications?limit=100', { as: ADMIN });
      expect(list.status).toBe(200);
      const ids = list.body.items.map((a: { id: string }) => a.id);
      expect(ids).toEqual(expect.arrayContaining([annsApplication, bobs.body.id]));
    });

    it("reads every department's tasks", async () => {
      const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: ADMIN });
      expect(inbox.status).toBe(200);
      const departments = new Set(
        inbox.body.items
          .filter((i: { applicationId: string }) => i.applicationId === annsApplication)
          .map((i: { department: string }) => i.department),
      );
      expect(departments).toEqual(new Set(['market-regulation', 'fire-rescue', 'urban-management']));
      const task = await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: ADMIN });
      expect(task.status).toBe(200);
      expect(task.body.department).toBe('fire-rescue');
    });
  });

  describe('operational endpoints need no token', () => {
    it('reports health with the database and the queue up', async () => {
      const reply = await t.request('GET', '/health');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'ok', database: 'up', queue: 'up' });
      expect(reply.body.queueBackend).toBe(process.env.REDIS_URL ? 'redis' : 'postgres');
    });

    it('serves the Swagger UI as HTML', async () => {
      const reply = await t.request('GET', '/docs');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      expect(String(reply.body)).toMatch(/swagger/i);
    });

    it('serves the OpenAPI document with the API paths', async () => {
      const reply = await t.request('GET', '/docs-json');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/json/);
      expect(reply.body.openapi).toMatch(/^3\./);
      const documented = Object.keys(reply.body.paths);
      expect(documented).toEqual(
        expect.arrayContaining([
          '/api/v1/workflows',
          '/api/v1/workflows/analyze',
          '/api/v1/workflows/{key}',
          '/api/v1/workflows/{key}/diagram',
          '/api/v1/applications',
          '/api/v1/applications/{id}',
          '/api/v1/applications/{id}/history',
          '/api/v1/tasks',
          '/api/v1/tasks/{id}',
          '/api/v1/tasks/{id}/decision',
          '/health',
        ]),
      );
    });

    it('still ignores a bad token on the operational endpoints', async () => {
      const reply = await t.request('GET', '/health', withBearer('garbage'));
      expect(reply.status).toBe(200);
    });
  });
});
