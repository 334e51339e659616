import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import type { ServerResponse } from 'node:http';
import pg from 'pg';
import { ServiceClient } from '../scripts/service-process.js';
import { eventually } from './support/eventually.js';
import { FactCheckedService } from './support/fact-checked-service.js';
import { JWT_SECRET } from './support/test-app.js';

const callers = new ServiceClient(JWT_SECRET);

/** GET a health path: its status and body, or status 0 when the connection is refused. */
const probe = (base: string, path: string) =>
  fetch(base + path)
    .then(async (r) => ({ status: r.status, body: (await r.json()) as any }))
    .catch(() => ({ status: 0, body: null as any }));

/**
 * The real entry point on SIGTERM, with a job and a request in flight: readiness fails first (while liveness and
 * the work go on), the held fact lookup is released, the job finishes and records its approval, the half-sent
 * request is completed and answered after the listener has closed, and the process exits 0.
 */
describe('shutting down on SIGTERM', () => {
  const held: ServerResponse[] = [];
  let factRequested: () => void;
  const factAsked = new Promise<void>((resolve) => (factRequested = resolve));
  let rig: FactCheckedService;

  beforeAll(async () => {
    rig = await FactCheckedService.create({
      key: 'held-rule',
      name: 'A rule whose fact takes its time',
      factTimeoutMs: 30_000,
      answer: (_request, response) => {
        held.push(response); // answered only when the test says so
        factRequested();
      },
    });
  });

  afterAll(async () => {
    for (const response of held) response.destroy();
    await rig.close();
  });

  it('fails readiness first, finishes the job and the request in flight, then exits 0', async () => {
    const service = await rig.start({ SHUTDOWN_DELAY_MS: '300', LOG_LEVEL: 'warn' });
    const base = service.baseUrl!;
    try {
      await service.ready(60_000, '/health/ready');
      const ready = await probe(base, '/health/ready');
      expect(ready.body).toEqual({
        status: 'ready',
        checks: { database: 'up', queue: 'up', migrations: 'applied', shuttingDown: false },
      });

      // A job in flight: the rule's fact lookup, held by our fact server.
      const ann = await callers.token({ role: 'applicant', sub: 'ann' });
      const submitted = await fetch(`${base}/api/v1/applications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: 'held-rule', data: { note: 'ACME' } }),
      });
      expect(submitted.status).toBe(201);
      const { id } = (await submitted.json()) as { id: string };
      await factAsked;

      // A request in flight: headers and half of the body sent.
      const admin = await callers.token({ role: 'admin', sub: 'root' });
      const body = JSON.stringify({
        key: 'late',
        name: 'Late',
        form: { type: 'object', properties: {} },
        steps: [{ id: 'only', name: 'Only', department: 'x', timeLimit: { hours: 1 } }],
      });
      const upload = request(`${base}/api/v1/workflows/analyze`, {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        upload.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        });
        upload.on('error', reject);
      });
      upload.write(body.slice(0, 20));
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the first half reach the server

      service.kill('SIGTERM');
      const notReady = await eventually(
        () => probe(base, '/health/ready'),
        (r) => r.status === 503,
      );
      expect(notReady.body).toEqual({
        status: 'not ready',
        checks: { database: 'up', queue: 'up', migrations: 'applied', shuttingDown: true },
      });
      expect((await probe(base, '/health/live')).status).toBe(200);

      // Release the job; once it is done the listener closes (new connections refused), the request still open.
      for (const response of held.splice(0)) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'active' }));
      }
      await eventually(
        () => probe(base, '/health/live'),
        (r) => r.status === 0,
      );
      upload.end(body.slice(20));
      const reply = await answered;
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toHaveProperty('analysis');

      expect((await service.exited).code).toBe(0);
      const client = new pg.Client({ connectionString: rig.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT status, decided_by FROM tasks WHERE application_id = $1 AND step = 'check'`,
          [id],
        );
        expect(rows).toEqual([{ status: 'approved', decided_by: 'rule' }]);
      } finally {
        await client.end();
      }
    } finally {
      await service.stop('SIGKILL');
    }
  }, 120_000);
});
