import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { hourStart, secondsToNextHour } from '../src/disclosures/disclosure.util.js';
import { eventually, sleep } from './support/eventually.js';
import { OpenApiValidator } from './support/openapi-validator.js';
import { SseClient } from './support/sse.js';
import { expectProblem, registerNew, samples, stepOf, submitApplication, viewOf } from './support/helpers.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const bob = applicant('bob');
const QUOTA = 2;
/** Seconds of the clock hour the quota test needs left: far more than its few requests take. */
const HOUR_MARGIN_S = 60;

/** Another department's data service: answers every company as active. */
function startRegistry(): Promise<{ server: Server; base: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'active' }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

const form = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    idNumber: { type: 'string' },
    company: { type: 'object', properties: { code: { type: 'string' }, address: { type: 'string' } } },
  },
};
const step = (id: string, department: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  department,
  timeLimit: { hours: 1 },
  ...extra,
});
const data = { name: 'Ann Li', idNumber: '110101199001011234', company: { code: 'ACME', address: 'X' } };

type Disclosure = {
  kind: string;
  department: string | null;
  actor: { role: string; id: string };
  step: string;
  fields: string[];
  fact: string | null;
  at: string;
};

describe('the ledger of data flows', () => {
  let t: TestApp;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let registryHost: string;

  const taskOf = async (applicationId: string, stepId: string) =>
    (
      await t.query<{ id: string }>('SELECT id FROM tasks WHERE application_id = $1 AND step = $2', [
        applicationId,
        stepId,
      ])
    )[0]!.id;
  const disclosures = async (id: string, as = ann) =>
    (await t.request('GET', `/api/v1/applications/${id}/disclosures?limit=100`, { as })).body
      .items as Disclosure[];
  const scrape = async () => samples((await t.request<string>('GET', '/metrics')).body);

  beforeAll(async () => {
    registry = await startRegistry();
    registryHost = new URL(registry.base).host;
    t = await TestApp.start({
      config: {
        factsAllowedHosts: ['127.0.0.1'],
        security: {
          ...SECURITY_DEFAULTS,
          piiReadQuotas: {
            departments: new Map([
              ['quota-dept', QUOTA],
              ['page-dept', QUOTA],
            ]),
            others: undefined,
          },
        },
      },
    });
    await registerNew(t, [
      {
        key: 'ledger-permit',
        name: 'Ledger permit',
        form,
        facts: { registry: { url: `${registry.base}/companies/{company.code}`, cacheSeconds: 0 } },
        steps: [
          step('fire', 'fire-safety', { fields: ['name', 'company.code'] }),
          step('registered', 'registry-check', {
            autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
          }),
        ],
      },
      {
        key: 'fixed-fact-permit',
        name: 'Fixed fact permit',
        form,
        facts: { registry: { url: `${registry.base}/status`, cacheSeconds: 0 } },
        steps: [
          step('open', 'registry-check', {
            autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
          }),
        ],
      },
      { key: 'quota-permit', name: 'Quota permit', form, steps: [step('check', 'quota-dept')] },
      { key: 'page-permit', name: 'Page permit', form, steps: [step('check', 'page-dept')] },
      {
        key: 'flows-permit',
        name: 'Flows permit',
        form,
        steps: [step('first', 'flow-a', { fields: ['name'] }), step('second', 'flow-b')],
      },
    ]);
  });

  afterAll(async () => {
    await t.close();
    registry.server.close();
  });

  it("shows the applicant which department and officer saw which fields of which step, never the others' fields", async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    const task = await taskOf(id, 'fire');
    const view = await t.request('GET', `/api/v1/tasks/${task}`, { as: officer('fire-safety', 'olga') });
    expect(view.status).toBe(200);

    const reply = await t.request('GET', `/api/v1/applications/${id}/disclosures`, { as: ann });
    expect(reply.status).toBe(200);
    const views = (reply.body.items as Disclosure[]).filter((d) => d.kind === 'task-view');
    expect(views).toEqual([
      {
        id: expect.any(String),
        kind: 'task-view',
        department: 'fire-safety',
        actor: { role: 'officer', id: 'olga' },
        step: 'fire',
        fields: ['name', 'company.code'],
        fact: null,
        at: expect.any(String),
      },
    ]);
    expect(reply.body.nextCursor).toBeNull();
  });

  it('records a fact lookup as the fields its URL sent to the host, without the URL or the values', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    const lookups = await eventually(
      async () => (await disclosures(id)).filter((d) => d.kind === 'fact-lookup'),
      (found) => found.length > 0,
    );
    expect(lookups).toEqual([
      {
        id: expect.any(String),
        kind: 'fact-lookup',
        department: registryHost,
        actor: { role: 'system', id: 'rule' },
        step: 'registered',
        fields: ['company.code'],
        fact: 'registry',
        at: expect.any(String),
      },
    ]);
    const stored = await t.query('SELECT * FROM disclosures WHERE application_id = $1', [id]);
    expect(JSON.stringify(stored)).not.toContain('ACME');
    expect(JSON.stringify(stored)).not.toContain('/companies/');
  });

  it('records no flow for a fact lookup whose URL carries none of the application values', async () => {
    const id = await submitApplication(t, 'fixed-fact-permit', data);
    // The rule approved the step on the fact's answer: the lookup was made.
    const view = await eventually(
      () => viewOf(t, id),
      (v) => stepOf(v, 'open').status === 'approved',
    );
    expect(stepOf(view, 'open').decidedBy).toBe('rule');
    expect(await disclosures(id)).toEqual([]);
  });

  it('records each item of an inbox page, since each shows form fields', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer('fire-safety', 'olga') });
    expect(inbox.body.items.some((i: { applicationId: string }) => i.applicationId === id)).toBe(true);
    expect((await disclosures(id)).filter((d) => d.kind === 'task-view')).toEqual([
      expect.objectContaining({ department: 'fire-safety', step: 'fire', fields: ['name', 'company.code'] }),
    ]);
  });

  it('records the task view an action answers with, and nothing for an action refused', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    const task = await taskOf(id, 'fire');
    const olga = officer('fire-safety', 'olga');
    const claimed = await t.request('POST', `/api/v1/tasks/${task}/claim`, { as: olga });
    expect(claimed.status).toBe(200);
    expect(claimed.body.data).toEqual({ name: data.name, company: { code: 'ACME' } });
    const decided = await t.request('POST', `/api/v1/tasks/${task}/decision`, {
      as: olga,
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    // Deciding again is a conflict: no answer, so no disclosure.
    expectProblem(
      await t.request('POST', `/api/v1/tasks/${task}/decision`, { as: olga, body: { outcome: 'approve' } }),
      409,
    );
    expect((await disclosures(id)).filter((d) => d.kind === 'task-view')).toEqual([
      expect.objectContaining({
        department: 'fire-safety',
        actor: { role: 'officer', id: 'olga' },
        step: 'fire',
      }),
      expect.objectContaining({
        department: 'fire-safety',
        actor: { role: 'officer', id: 'olga' },
        step: 'fire',
      }),
    ]);
    expect((await disclosures(id)).find((d) => d.kind === 'task-view')!.fields).toEqual([
      'name',
      'company.code',
    ]);
  });

  it('records the view answering a claim the officer already holds, though the claim changes nothing', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    const task = await taskOf(id, 'fire');
    const olga = officer('fire-safety', 'olga');
    expect((await t.request('POST', `/api/v1/tasks/${task}/claim`, { as: olga })).status).toBe(200);
    const [before] = await t.query<{ revision: number }>('SELECT revision FROM applications WHERE id = $1', [
      id,
    ]);
    const again = await t.request('POST', `/api/v1/tasks/${task}/claim`, { as: olga });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ name: data.name, company: { code: 'ACME' } });
    // Nothing of the application changed; the answer was still shown, and is recorded.
    const [after] = await t.query<{ revision: number }>('SELECT revision FROM applications WHERE id = $1', [
      id,
    ]);
    expect(after!.revision).toBe(before!.revision);
    expect((await disclosures(id)).filter((d) => d.kind === 'task-view')).toEqual([
      expect.objectContaining({
        actor: { role: 'officer', id: 'olga' },
        step: 'fire',
        fields: ['name', 'company.code'],
      }),
      expect.objectContaining({
        actor: { role: 'officer', id: 'olga' },
        step: 'fire',
        fields: ['name', 'company.code'],
      }),
    ]);
  });

  it('records nothing for a view that shows no field', async () => {
    const id = await submitApplication(t, 'flows-permit', { idNumber: '1' });
    const view = await t.request('GET', `/api/v1/tasks/${await taskOf(id, 'first')}`, {
      as: officer('flow-a'),
    });
    expect(view.status).toBe(200);
    expect(view.body.data).toEqual({});
    expect(await disclosures(id)).toEqual([]);
  });

  it('answers 404 to another applicant and 403 to an officer; an admin sees the ledger and is recorded as admin', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    expectProblem(await t.request('GET', `/api/v1/applications/${id}/disclosures`, { as: bob }), 404);
    expectProblem(
      await t.request('GET', `/api/v1/applications/${id}/disclosures`, { as: officer('fire-safety') }),
      403,
    );
    expectProblem(await t.request('GET', '/api/v1/applications/not-a-uuid/disclosures', { as: ann }), 404);
    expect((await t.request('GET', `/api/v1/tasks/${await taskOf(id, 'fire')}`, { as: ADMIN })).status).toBe(
      200,
    );
    const seen = await disclosures(id, ADMIN);
    expect(seen.filter((d) => d.kind === 'task-view')).toEqual([
      expect.objectContaining({ department: null, actor: { role: 'admin', id: 'root' }, step: 'fire' }),
    ]);
  });

  it('pages newest first with a cursor, never repeating or skipping an entry', async () => {
    const id = await submitApplication(t, 'flows-permit', data);
    const task = await taskOf(id, 'second');
    for (let i = 0; i < 3; i++) await t.request('GET', `/api/v1/tasks/${task}`, { as: officer('flow-b') });
    const all = await disclosures(id);
    expect(all).toHaveLength(3);
    const seen: Disclosure[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await t.request('GET', `/api/v1/applications/${id}/disclosures?limit=2${query}`, {
        as: ann,
      });
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as Disclosure[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(all);
    expect([...all.map((d) => d.at)].sort().reverse()).toEqual(all.map((d) => d.at));
    expectProblem(
      await t.request('GET', `/api/v1/applications/${id}/disclosures?cursor=forged`, { as: ann }),
      400,
    );
  });

  it('counts disclosures and fields per source and recipient department for admins, in one aggregate', async () => {
    // Only this test's flows: the server stamps rows with the same clock, after this instant.
    const from = new Date().toISOString();
    const first = await submitApplication(t, 'flows-permit', data);
    const second = await submitApplication(t, 'flows-permit', { name: 'Bo' });
    for (const id of [first, second]) {
      await t.request('GET', `/api/v1/tasks/${await taskOf(id, 'first')}`, { as: officer('flow-a') });
    }
    await t.request('GET', `/api/v1/tasks/${await taskOf(first, 'second')}`, { as: officer('flow-b') });
    const to = new Date(Date.now() + 60_000).toISOString();

    for (const bucket of ['hour', 'day']) {
      const reply = await t.request(
        'GET',
        `/api/v1/disclosures/flows?from=${from}&to=${to}&bucket=${bucket}`,
        {
          as: ADMIN,
        },
      );
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ from, to, bucket });
      // The window may straddle a bucket boundary: sum a pair's buckets.
      const total = (recipient: string) =>
        (
          reply.body.items as {
            source: string;
            recipient: string;
            kind: string;
            disclosures: number;
            fields: number;
          }[]
        )
          .filter((i) => i.recipient === recipient && i.source === 'applicant' && i.kind === 'task-view')
          .reduce(
            (sum, i) => ({ disclosures: sum.disclosures + i.disclosures, fields: sum.fields + i.fields }),
            {
              disclosures: 0,
              fields: 0,
            },
          );
      expect(total('flow-a')).toEqual({ disclosures: 2, fields: 2 });
      // flow-b is granted every field: name, idNumber, company.code and company.address.
      expect(total('flow-b')).toEqual({ disclosures: 1, fields: 4 });
    }
  });

  it('refuses flows to other roles and for empty or overlong windows', async () => {
    expectProblem(await t.request('GET', '/api/v1/disclosures/flows', { as: officer('flow-a') }), 403);
    expectProblem(await t.request('GET', '/api/v1/disclosures/flows', { as: ann }), 403);
    expectProblem(await t.request('GET', '/api/v1/disclosures/flows?bucket=week', { as: ADMIN }), 400);
    expectProblem(
      await t.request('GET', '/api/v1/disclosures/flows?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', {
        as: ADMIN,
      }),
      400,
    );
    expectProblem(
      await t.request('GET', '/api/v1/disclosures/flows?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', {
        as: ADMIN,
      }),
      400,
    );
    expect((await t.request('GET', '/api/v1/disclosures/flows', { as: ADMIN })).status).toBe(200);
  });

  it('answers 400 naming from or to for ISO 8601 forms it cannot read as an instant (compact, week)', async () => {
    for (const [query, path] of [
      ['from=20260101', '$.from'],
      ['to=2026-W01-1', '$.to'],
    ]) {
      const reply = await t.request('GET', `/api/v1/disclosures/flows?${query}`, { as: ADMIN });
      expectProblem(reply, 400);
      expect((reply.body.errors as { path: string }[]).map((e) => e.path)).toEqual([path]);
    }
    // A space for the T: read as the check read it, where `new Date()` takes 0020-01-05 for month 20.
    const early = new URLSearchParams({ from: '0020-01-05 00:00Z', to: '0020-01-06 00:00Z' });
    const reply = await t.request('GET', `/api/v1/disclosures/flows?${early.toString()}`, { as: ADMIN });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ from: '0020-01-05T00:00:00.000Z', to: '0020-01-06T00:00:00.000Z' });
  });

  it('holds an inbox page to the quota of the hour, so a page larger than the quota is never refused for good', async () => {
    for (let i = 0; i < QUOTA + 1; i++) await submitApplication(t, 'page-permit', data);
    const left = secondsToNextHour(new Date());
    if (left < HOUR_MARGIN_S) await sleep(left * 1000);
    const hour = hourStart(new Date()).getTime();

    const first = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer('page-dept') });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(QUOTA);
    expect(first.body.nextCursor).not.toBeNull();
    const ledger = await t.query<{ n: string }>(
      `SELECT count(*) AS n FROM disclosures WHERE recipient_department = 'page-dept' AND kind = 'task-view'`,
    );
    expect(Number(ledger[0]!.n)).toBe(QUOTA);
    // The hour's quota is used up now: the next page waits for the next hour, as any read would.
    const next = await t.request(
      'GET',
      `/api/v1/tasks?limit=100&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { as: officer('page-dept') },
    );
    expect(hourStart(new Date()).getTime()).toBe(hour);
    expectProblem(next, 429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it("answers 429 with Retry-After past the department quota for the hour, records nothing, counts it, and withholds the inbox stream's views", async () => {
    const id = await submitApplication(t, 'quota-permit', data);
    const task = await taskOf(id, 'check');
    const view = () => t.request('GET', `/api/v1/tasks/${task}`, { as: officer('quota-dept') });
    const refusalsBefore =
      (await scrape()).get('pa_pii_read_quota_exceeded_total{department="quota-dept"}') ?? 0;
    // The quota counts in the clock hour. Start with at least HOUR_MARGIN_S of it left (else wait for the next
    // one), so every view below falls in one window and no assertion depends on when the test runs.
    const left = secondsToNextHour(new Date());
    if (left < HOUR_MARGIN_S) await sleep(left * 1000);
    const hour = hourStart(new Date()).getTime();

    for (let i = 0; i < QUOTA; i++) expect((await view()).status).toBe(200);
    const refused = await view();
    expect(hourStart(new Date()).getTime()).toBe(hour);
    expectProblem(refused, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expectProblem(await t.request('GET', '/api/v1/tasks', { as: officer('quota-dept') }), 429);

    expect((await disclosures(id)).filter((d) => d.kind === 'task-view')).toHaveLength(QUOTA);
    const metrics = await scrape();
    expect(metrics.get('pa_pii_read_quota_exceeded_total{department="quota-dept"}')).toBe(refusalsBefore + 2);
    expect(metrics.get('pa_disclosures_total{department="quota-dept",kind="task-view"}')).toBe(QUOTA);
    // The inbox stream still announces a change past the quota, without the view, and says when to reload.
    const inbox = await SseClient.open(`${t.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await t.token(officer('quota-dept'))}`,
    });
    try {
      await inbox.until((m) => m.some((e) => e.event === 'ready'));
      const later = await submitApplication(t, 'quota-permit', data);
      const laterTask = await taskOf(later, 'check');
      const events = await inbox.until((m) => m.some((e) => e.data?.id === laterTask));
      expect(events.filter((e) => e.data?.id === laterTask)).toEqual([
        { event: 'withheld', data: { id: laterTask, retryAfterSeconds: expect.any(Number) } },
      ]);
      const withheld = events.find((e) => e.event === 'withheld')!.data as { retryAfterSeconds: number };
      const validator = await OpenApiValidator.load(t.baseUrl);
      expect(validator.eventData('/api/v1/tasks/events', 'get', 'withheld')(withheld)).toEqual([]);
      expect(withheld.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(withheld.retryAfterSeconds).toBeLessThanOrEqual(3600);
      expect(await disclosures(later)).toEqual([]);
      const refusals = async () =>
        (await scrape()).get('pa_pii_read_quota_exceeded_total{department="quota-dept"}');
      expect(await refusals()).toBe(refusalsBefore + 3);
      // A further change while withheld is announced without asking again: no more refused reads. (Acting on a
      // task is not held by the quota.)
      const decided = await t.request('POST', `/api/v1/tasks/${laterTask}/decision`, {
        as: officer('quota-dept'),
        body: { outcome: 'approve' },
      });
      expect(decided.status).toBe(200);
      const again = await inbox.until((m) => m.filter((e) => e.data?.id === laterTask).length >= 2);
      expect(again.filter((e) => e.data?.id === laterTask).map((e) => e.event)).toEqual([
        'withheld',
        'withheld',
      ]);
      expect(await refusals()).toBe(refusalsBefore + 3);
    } finally {
      inbox.close();
    }
    // An officer of that department and another: the quota withholds the first's views, never the other's.
    const token = await t.token(officer('quota-dept', 'two-departments'), {
      departments: ['quota-dept', 'fire-safety'],
    });
    const both = await SseClient.open(`${t.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${token}`,
    });
    try {
      await both.until((m) => m.some((e) => e.event === 'ready'));
      const heldTask = await taskOf(await submitApplication(t, 'quota-permit', data), 'check');
      await both.until((m) => m.some((e) => e.event === 'withheld' && e.data.id === heldTask));
      const fireTask = await taskOf(await submitApplication(t, 'ledger-permit', data), 'fire');
      const events = await both.until((m) => m.some((e) => e.data?.id === fireTask));
      expect(events.find((e) => e.data?.id === fireTask)).toEqual({
        event: 'task',
        data: expect.objectContaining({ id: fireTask, department: 'fire-safety' }),
      });
    } finally {
      both.close();
    }
    expect(hourStart(new Date()).getTime()).toBe(hour);

    // Other departments and admins are not held by this department's quota.
    expect((await t.request('GET', `/api/v1/tasks/${task}`, { as: ADMIN })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/tasks', { as: officer('fire-safety') })).status).toBe(200);
  }, 150_000);

  it('refuses UPDATE, DELETE and TRUNCATE of the ledger in PostgreSQL itself, DELETE unless a purge asks', async () => {
    const id = await submitApplication(t, 'ledger-permit', data);
    await t.request('GET', `/api/v1/tasks/${await taskOf(id, 'fire')}`, { as: officer('fire-safety') });
    for (const sql of [
      `UPDATE disclosures SET fields = '{}' WHERE application_id = '${id}'`,
      `DELETE FROM disclosures WHERE application_id = '${id}'`,
      'TRUNCATE disclosures',
    ]) {
      await expect(t.query(sql)).rejects.toThrow(/disclosures is append-only/);
    }
    expect((await disclosures(id)).filter((d) => d.kind === 'task-view')).toHaveLength(1);
    // The one escape hatch, for a retention purge of the ledger: a DELETE in a transaction that asks for it.
    await t.query(
      `BEGIN; SET LOCAL pa.disclosures_purge = 'on'; DELETE FROM disclosures WHERE application_id = '${id}'; COMMIT`,
    );
    expect(await disclosures(id)).toEqual([]);
  });
});
