import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { eventually } from './support/eventually.js';
import { registerNew } from './support/helpers.js';
import { applicant, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const SECRET_HEADER = 'Bearer registry-credential-0123456789';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

/** Another department's service: records what it was asked, and has an endless answer without content-length. */
async function startRegistry() {
  const seen: Seen[] = [];
  let endlessBytesWritten = 0;
  let endlessClosed: () => void = () => undefined;
  const endlessDone = new Promise<void>((resolve) => (endlessClosed = resolve));
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    seen.push({ path, headers: request.headers });
    if (path.startsWith('/endless/')) {
      response.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
      response.write('{"status":"active","padding":"');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        // Stops when the client hangs up, or at 50 MB (it must never get that far).
        while (!response.destroyed && endlessBytesWritten < 50_000_000) {
          endlessBytesWritten += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end('"}');
      };
      response.on('close', () => endlessClosed());
      pump();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'active', ownerIdNumber: '110101199003071234', employees: 42 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    host: `127.0.0.1:${port}`,
    base: `http://127.0.0.1:${port}`,
    seen,
    endless: { done: endlessDone, bytes: () => endlessBytesWritten },
  };
}

const form = {
  type: 'object',
  properties: { company: { type: 'object', properties: { code: { type: 'string' } } } },
};

describe('fact lookups are safe', () => {
  let t: TestApp;
  let registry: Awaited<ReturnType<typeof startRegistry>>;

  const history = async (id: string) =>
    (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body;
  const ruleEvent = async (id: string) =>
    (
      await eventually(
        async () => (await history(id)).events as { type: string; detail: any }[],
        (events) => events.some((e) => e.type === 'rule_approved' || e.type === 'rule_not_held'),
      )
    ).find((e) => e.type === 'rule_approved' || e.type === 'rule_not_held')!;

  beforeAll(async () => {
    registry = await startRegistry();
    t = await TestApp.start({
      config: {
        factsAllowedHosts: ['127.0.0.1'],
        security: {
          ...SECURITY_DEFAULTS,
          factsMaxBytes: 64 * 1024,
          factsCredentials: { [registry.host]: { authorization: SECRET_HEADER } },
        },
      },
    });
    const workflow = (key: string, path: string, cacheSeconds: number) => ({
      key,
      name: key,
      form,
      facts: { registry: { url: `${registry.base}${path}`, timeoutMs: 3000, cacheSeconds } },
      steps: [
        {
          id: 'check',
          name: 'Check',
          department: 'checkers',
          timeLimit: { hours: 1 },
          autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
        },
      ],
    });
    await registerNew(t, [
      workflow('registry-lookup', '/companies/{company.code}/status', 300),
      workflow('endless-lookup', '/endless/{company.code}', 0),
    ]);
  });
  afterAll(async () => {
    await t.close();
    registry.server.closeAllConnections();
    registry.server.close();
  });

  const submit = async (key: string, code: string) => {
    const reply = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: key, data: { company: { code } } },
    });
    expect(reply.status).toBe(201);
    return reply.body.id as string;
  };

  it('keeps an application value inside its path segment, and never climbs with . or ..', async () => {
    const climbing = await submit('registry-lookup', '..');
    const event = await ruleEvent(climbing);
    expect(event.type).toBe('rule_not_held');
    expect(event.detail.facts.registry).toEqual({ ok: false, error: expect.stringMatching(/lacks a value/) });

    const slashes = await submit('registry-lookup', '../../admin');
    expect((await ruleEvent(slashes)).type).toBe('rule_approved');
    const paths = registry.seen.map((s) => s.path);
    expect(paths).toContain('/companies/..%2F..%2Fadmin/status');
    expect(paths.every((p) => p.startsWith('/companies/') || p.startsWith('/endless/'))).toBe(true);
  });

  it('sends the configured credentials, and shows neither them nor the URL to the applicant', async () => {
    const id = await submit('registry-lookup', 'ACME');
    const event = await ruleEvent(id);
    expect(event.type).toBe('rule_approved');
    const asked = registry.seen.find((s) => s.path === '/companies/ACME/status')!;
    expect(asked.headers.authorization).toBe(SECRET_HEADER);

    const seenByApplicant = JSON.stringify([
      await history(id),
      (await t.request('GET', `/api/v1/applications/${id}`, { as: ann })).body,
    ]);
    expect(seenByApplicant).not.toContain(SECRET_HEADER);
    expect(seenByApplicant).not.toContain(registry.host);
    // Only the value the rule read is kept; the rest of the answer (another person's id number) is not.
    expect(event.detail.read).toEqual({ 'facts.registry.status': 'active' });
    expect(seenByApplicant).not.toContain('110101199003071234');
    const [cache] = await t.query<{ url: string }>('SELECT url FROM fact_cache WHERE application_id = $1', [
      id,
    ]);
    expect(cache === undefined || !cache.url.includes(registry.host)).toBe(true);
  });

  it('stops reading an answer without content-length at FACTS_MAX_BYTES', async () => {
    const id = await submit('endless-lookup', 'BIG');
    const event = await ruleEvent(id);
    expect(event.type).toBe('rule_not_held');
    expect(event.detail.facts.registry).toEqual({ ok: false, error: 'answer too large' });
    await registry.endless.done; // the client hung up
    expect(registry.endless.bytes()).toBeLessThan(10_000_000);
  });
});
