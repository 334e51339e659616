import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { SseClient } from './support/sse.js';
import { applicant, officer, TestApp } from './support/test-app.js';

const PORTAL = 'https://portal.gov.example';

describe('security headers and CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { security: { ...SECURITY_DEFAULTS, corsOrigins: [PORTAL] } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends helmet headers with a CSP that allows scripts from this origin only', async () => {
    const reply = await fetch(`${t.baseUrl}/health`);
    await reply.text();
    const csp = reply.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });

  it('serves /docs under that CSP: every script is a file from this origin, and each loads', async () => {
    const page = await fetch(`${t.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).toBe(''); // no inline script, which the CSP would block
      const src = /src="([^"]+)"/.exec(attributes!)?.[1];
      expect(src).toBeDefined();
      expect(src).not.toMatch(/^[a-z]+:\/\//i);
      // Resolved as a browser would, against the page at /docs.
      const script = await fetch(new URL(src!, `${t.baseUrl}/docs`));
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(0);
    }
  });

  it('marks API answers, which carry personal data, no-store', async () => {
    const reply = await t.request('GET', '/api/v1/applications', { as: applicant('ann') });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const refused = await t.request('GET', '/api/v1/applications');
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a preflight from a configured origin, and none from another', async () => {
    // Every request header the API documents: a browser fails the whole request when one asked for is not allowed.
    const asked = [
      'authorization',
      'content-type',
      'if-none-match',
      'idempotency-key',
      'last-event-id',
      'x-request-id',
    ];
    const preflight = (origin: string) =>
      fetch(`${t.baseUrl}/api/v1/applications`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': asked.join(','),
        },
      });
    const allowed = await preflight(PORTAL);
    await allowed.text();
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(allowed.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(
      expect.arrayContaining(asked),
    );
    const other = await preflight('https://evil.example');
    await other.text();
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const actual = await t.request('GET', '/api/v1/applications', {
      as: applicant('ann'),
      headers: { origin: PORTAL },
    });
    expect(actual.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(actual.headers.get('access-control-expose-headers')?.split(/,\s*/)).toEqual(
      expect.arrayContaining(['etag', 'location', 'retry-after', 'x-request-id']),
    );
  });

  it('carries the request id back on every answer, a refusal before the route included', async () => {
    const forged = await fetch(`${t.baseUrl}/api/v1/applications`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer not.a.token',
        'content-type': 'application/json',
        'x-request-id': 'forged-1',
      },
      body: '{}',
    });
    await forged.text();
    expect(forged.status).toBe(401);
    expect(forged.headers.get('x-request-id')).toBe('forged-1');
    const missing = await fetch(`${t.baseUrl}/api/v1/nothing-here`, {
      headers: { 'x-request-id': 'missing-1' },
    });
    await missing.text();
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('missing-1');
  });

  it('sends an event stream, whose reply the stream takes over, with the same CORS and security headers', async () => {
    const stream = await SseClient.open(`${t.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await t.token(officer('portal-desk'))}`,
      origin: PORTAL,
      'x-request-id': 'portal-stream-1',
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers?.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers?.get('access-control-allow-origin')).toBe(PORTAL);
      expect(stream.headers?.get('x-content-type-options')).toBe('nosniff');
      expect(stream.headers?.get('strict-transport-security')).toMatch(/max-age=/);
      expect(stream.headers?.get('cache-control')).toBe('no-store, no-transform');
      expect(stream.headers?.get('x-request-id')).toBe('portal-stream-1');
    } finally {
      stream.close();
    }
  });
});

describe('without CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends no CORS headers at all', async () => {
    const reply = await t.request('GET', '/api/v1/applications', {
      as: applicant('ann'),
      headers: { origin: PORTAL },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });
});
