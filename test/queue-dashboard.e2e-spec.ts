import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { describeInBrowser, launchBrowser } from './support/browser.js';
import { ADMIN, JWT_SECRET, officer, TestApp } from './support/test-app.js';

/** The address's own request, without following its redirect, so the cookie it sets can be read. */
const open = (t: TestApp, path: string, cookie?: string) =>
  fetch(t.baseUrl + path, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });

describe('the queue dashboard at /admin/queues', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a browser without an admin session, and an API token in place of one', async () => {
    const bare = await open(t, '/admin/queues');
    expect(bare.status).toBe(401);
    expect(bare.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const adminToken = await t.token(ADMIN);
    expect((await open(t, '/admin/queues', `pa_queue_dashboard=${adminToken}`)).status).toBe(401);
    const withBearer = await fetch(`${t.baseUrl}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(withBearer.status).toBe(401);
  });

  it('gives only admins an address to enter by', async () => {
    expect((await t.request('POST', '/api/v1/queue-dashboard/sessions')).status).toBe(401);
    expect((await t.request('POST', '/api/v1/queue-dashboard/sessions', { as: officer('x') })).status).toBe(
      403,
    );
  });

  it('lets an admin in through a one-minute address that sets a dashboard cookie, and shows the four queues', async () => {
    const session = await t.request('POST', '/api/v1/queue-dashboard/sessions', { as: ADMIN });
    expect(session.status).toBe(201);
    expect(session.body.url).toMatch(/^\/admin\/queues\/enter\?code=/);
    expect(Date.parse(session.body.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);

    const enter = await open(t, session.body.url);
    expect(enter.status).toBe(303);
    expect(enter.headers.get('location')).toBe('/admin/queues');
    const setCookie = enter.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    const cookie = setCookie.split(';')[0]!;

    const page = await open(t, '/admin/queues', cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await open(t, '/admin/queues/api/queues', cookie);
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    expect(queues.map((q) => q.name).sort()).toEqual(['deadlines', 'reminders', 'rules', 'webhooks']);

    // The entry code is not a session, and a cookie signed with another secret is nobody's.
    const code = decodeURIComponent(session.body.url.split('code=')[1]);
    expect((await open(t, '/admin/queues', `pa_queue_dashboard=${code}`)).status).toBe(401);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('root')
      .setAudience('pa-queue-dashboard')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(`${JWT_SECRET}-not`));
    expect((await open(t, '/admin/queues', `pa_queue_dashboard=${forged}`)).status).toBe(401);
    expect((await open(t, '/admin/queues/enter?code=garbage')).status).toBe(401);
  });
});

describeInBrowser(describe)('the queue dashboard in a real browser', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it("opens from the entry address and draws every queue under the service's CSP", async () => {
    const session = await t.request('POST', '/api/v1/queue-dashboard/sessions', { as: ADMIN });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
          blocked.push(message.text());
      });
      page.on('pageerror', (error) => blocked.push(error.message));
      await page.goto(t.baseUrl + (session.body.url as string));
      expect(new URL(page.url()).pathname).toBe('/admin/queues');
      for (const queue of ['deadlines', 'reminders', 'rules', 'webhooks']) {
        await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 });
      }
      // Only the web font bull-board asks of Google may be refused (no CDN here); its own scripts must all run.
      expect(blocked.filter((text) => !text.includes('fonts.googleapis.com'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
