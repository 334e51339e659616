import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ServiceClient, ServiceProcess } from '../scripts/service-process.js';
import { eventually } from './support/eventually.js';
import { FactCheckedService } from './support/fact-checked-service.js';
import { Receiver } from './support/receiver.js';
import { JWT_SECRET } from './support/test-app.js';
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const MARK = 'MARK7f3q'; // in every value that must never reach a log line
/** Every line is read at the end: far more than the run writes. */
const KEEP_LINES = 100_000;

/**
 * The real entry point at its most verbose, its standard output and error captured: a request full of marked
 * values (form data, the token, a fact lookup's answer, a query, a header) leaves one JSON line per request with
 * its id, route, status, duration and caller, and no marked value anywhere.
 */
describe('structured logs', () => {
  let factCalls = 0;
  let rig: FactCheckedService;

  beforeAll(async () => {
    rig = await FactCheckedService.create({
      key: 'checked',
      name: 'Checked against a registry',
      factTimeoutMs: 5000,
      personalNote: true, // sealed at rest, opened for the fact lookup's URL, never logged
      answer: (_request, response) => {
        factCalls += 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'active', owner: `${MARK}-fact-answer` }));
      },
    });
  });

  afterAll(async () => {
    await rig.close();
  });

  it("writes one JSON line per request with id, route, status, duration and caller, and no form data, token, fact answer or webhook receiver's address", async () => {
    const service = await rig.start(
      { LOG_LEVEL: 'verbose', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
      { keepLines: KEEP_LINES },
    );
    const base = service.baseUrl!;
    // A receiver that refuses every delivery, at an address carrying a token, as receivers' addresses often do.
    const receiver = await Receiver.start();
    receiver.answer = () => 500;
    try {
      await service.ready(60_000, '/health/live');
      const token = await new ServiceClient(JWT_SECRET).token({ role: 'applicant', sub: 'ann' }); // the caller's id is logged, by design
      const subscribed = await fetch(`${base}/api/v1/webhooks`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await new ServiceClient(JWT_SECRET).token({ role: 'admin', sub: 'root' })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          url: `${receiver.url}/hooks/${MARK}-path?token=${MARK}-query`,
          events: ['submitted'],
        }),
      });
      expect(subscribed.status).toBe(201);
      const sent: { id: string | null; response: Response }[] = [];
      const call = async (path: string, init: RequestInit & { id?: string } = {}) => {
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${token}`);
        headers.set('x-note', `${MARK}-header`);
        if (init.id !== undefined) headers.set('x-request-id', init.id);
        if (init.body !== undefined) headers.set('content-type', 'application/json');
        const response = await fetch(base + path, { ...init, headers });
        sent.push({ id: init.id ?? null, response });
        return response;
      };

      const submitted = await call('/api/v1/applications', {
        method: 'POST',
        id: 'req-submit-1',
        body: JSON.stringify({ workflow: 'checked', data: { note: `${MARK}-form` } }),
      });
      expect(submitted.status).toBe(201);
      expect(submitted.headers.get('x-request-id')).toBe('req-submit-1');
      const { id } = (await submitted.json()) as { id: string };
      await eventually(
        async () => ((await (await call(`/api/v1/applications/${id}`)).json()) as { status: string }).status,
        (status) => status === 'approved',
      );
      expect(factCalls).toBe(1);
      // The submission's delivery was refused, and the queue's job failed with it.
      await service.waitForOutput(/on webhooks failed: webhook subscription/, 30_000);
      expect(receiver.received.length).toBeGreaterThanOrEqual(1);
      const refused = await call('/api/v1/applications', {
        method: 'POST',
        id: `not acceptable ${MARK}`,
        body: JSON.stringify({ workflow: 'checked', data: { note: { [`${MARK}-key`]: `${MARK}-value` } } }),
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const badQuery = await call(`/api/v1/applications?cursor=${MARK}-cursor`);
      expect(badQuery.status).toBe(400);

      expect((await service.stop('SIGTERM')).code).toBe(0);

      const output = service.output.join('\n');
      expect(output).not.toContain(MARK);
      expect(output).not.toContain(token);
      const client = new pg.Client({ connectionString: rig.databaseUrl });
      await client.connect();
      try {
        const stored = await client.query<{ data: { note: { $pii: string } } }>(
          'SELECT data FROM applications',
        );
        expect(stored.rows).toHaveLength(1);
        expect(stored.rows[0]!.data.note.$pii).toMatch(/^v1\./);
        const everywhere = await client.query<{ n: number }>(
          `SELECT ((SELECT count(*) FROM applications a WHERE a::text LIKE $1)
            + (SELECT count(*) FROM history h WHERE h::text LIKE $1))::int AS n`,
          [`%${MARK}-form%`],
        );
        expect(everywhere.rows[0]!.n).toBe(0);
      } finally {
        await client.end();
      }
      const records = service.output.map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = records.filter((r) => r.msg === 'request');
      expect(requests).toHaveLength(sent.length + 2); // and the readiness probe and the subscription above
      expect(requests.find((r) => r.reqId === 'req-submit-1')).toEqual(
        expect.objectContaining({
          method: 'POST',
          route: '/api/v1/applications',
          status: 201,
          durationMs: expect.any(Number),
          callerId: 'ann',
          callerRole: 'applicant',
        }),
      );
      for (const { response } of sent) {
        const line = requests.find((r) => r.reqId === response.headers.get('x-request-id'));
        expect(line).toEqual(expect.objectContaining({ status: response.status, callerRole: 'applicant' }));
      }
      expect(requests.filter((r) => r.route === '/api/v1/applications/:id').length).toBeGreaterThanOrEqual(1);
    } finally {
      await service.stop('SIGKILL');
      await receiver.close();
    }
  }, 120_000);

  it('writes a buffered line out within a moment even when no other line follows', async () => {
    const quiet = ServiceProcess.start(
      'quiet fixture',
      'test/fixtures/logging/quiet-after-one-line.ts',
      { PROCESS_ROLE: 'worker' }, // not a service: nothing listens
      { nodeOptions: ['--import', './scripts/register-ts.mjs'] },
    );
    try {
      await quiet.waitForOutput(/one line, then quiet/, 15_000);
      expect(quiet.running).toBe(true); // the line did not wait for the exit
    } finally {
      await quiet.stop('SIGKILL');
    }
  }, 30_000);

  it('drops lines past 16 MiB for a reader that never reads, says so on standard error, and does not stall', async () => {
    const stuck = spawn(
      process.execPath,
      ['--import', './scripts/register-ts.mjs', 'test/fixtures/logging/unread-output.ts'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      stuck.stdout.pause(); // never read: the pipe fills, and the buffer behind it
      let stderr = '';
      stuck.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await eventually(
        () => Promise.resolve(stderr),
        (text) => text.includes('all lines handed to the logger') && text.includes('log lines dropped'),
        { timeoutMs: 30_000 },
      );
      expect(stderr.split('log lines dropped')).toHaveLength(2); // once, not once per line
      expect(stuck.exitCode).toBeNull();
    } finally {
      stuck.kill('SIGKILL');
    }
  }, 60_000);

  it('tags a line written deep inside a request with that request id, and names it once in the request line', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', './scripts/register-ts.mjs', 'test/fixtures/logging/request-context-app.ts'],
      { cwd: ROOT },
    );
    // Raw text, not parsed: a key written twice would be lost to JSON.parse.
    const lines = stdout.split('\n').filter((line) => line.includes('"reqId"'));
    for (const id of ['ctx-a', 'ctx-b']) {
      const mine = lines.filter((line) => line.includes(`"reqId":"${id}"`));
      expect(mine.map((line) => (JSON.parse(line) as { msg: string }).msg).sort()).toEqual([
        'deep inside the request',
        'request',
      ]);
      for (const line of mine) expect(line.split('"reqId"')).toHaveLength(2);
    }
  }, 60_000);
});
