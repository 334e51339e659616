import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { eventually } from './support/eventually.js';
import {
  expectProblem,
  inboxTask,
  registerNew,
  simpleWorkflow,
  stepOf,
  submitApplication,
  unreachableFactWorkflow,
  viewOf,
} from './support/helpers.js';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { SseClient } from './support/sse.js';
import { ADMIN, applicant, JWT_SECRET, officer, TestApp } from './support/test-app.js';
import type { Caller } from './support/test-app.js';

const ann = applicant('ann');

/** Two steps in sequence: `check` must be approved before `issue` opens. */
const relay = simpleWorkflow(
  'live-relay',
  [
    { id: 'check', timeLimit: { hours: 24 } },
    { id: 'issue', after: ['check'], timeLimit: { hours: 24 } },
  ],
  (id) => `live-${id}`,
);

/** One step, and two seconds to correct what it returns. */
const lapsing = simpleWorkflow(
  'live-lapse',
  [{ id: 'check', timeLimit: { hours: 24 } }],
  (id) => `lapse-${id}`,
  {
    correctionWindow: { seconds: 2 },
  },
);

describe('live updates (server-sent events)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await TestApp.start({ config: { sseHeartbeatMs: 200 } });
    // A second process on the same database and queue: events it applies must reach streams opened on `a`.
    b = await TestApp.start({
      databaseUrl: a.databaseUrl,
      queuePrefix: new URL(a.databaseUrl).pathname.slice(1),
    });
    await registerNew(a, [relay, lapsing]);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const stream = async (t: TestApp, path: string, as: Caller, headers: Record<string, string> = {}) =>
    SseClient.open(t.baseUrl + path, { authorization: `Bearer ${await t.token(as)}`, ...headers });

  const approve = async (t: TestApp, department: string, applicationId: string) => {
    const task = await inboxTask(t, department, applicationId);
    const reply = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer(department),
      body: { outcome: 'approve' },
    });
    expect(reply.status).toBe(200);
  };

  it('has a commit notify the database only while an event stream listens, so other commits take no notify lock', async () => {
    // A bystander listening on its own, as the service's triggers cannot tell: it hears whatever they send.
    const bystander = new pg.Client({ connectionString: a.databaseUrl });
    const heard: string[] = [];
    bystander.on('notification', (n) => heard.push(`${n.channel} ${n.payload ?? ''}`));
    await bystander.connect();
    try {
      await bystander.query('LISTEN pa_history; LISTEN pa_tasks; LISTEN pa_sentinel');
      // Notifications arrive in commit order: once the sentinel is heard, so is everything committed before it.
      const settled = async (label: string) => {
        await bystander.query(`NOTIFY pa_sentinel, '${label}'`);
        await eventually(
          () => Promise.resolve(heard),
          (h) => h.includes(`pa_sentinel ${label}`),
        );
      };

      const id = await submitApplication(a, 'live-relay');
      await settled('no stream');
      expect(heard).toEqual(['pa_sentinel no stream']);

      const open = await stream(a, `/api/v1/applications/${id}/events`, ann);
      await open.until((m) => m.some((e) => e.data.type === 'step_opened'));
      heard.length = 0;
      await approve(b, 'live-check', id);
      await settled('stream open');
      // The applicant's stream listens to history only: the decision's task rows still notify nobody.
      expect(heard).toEqual([`pa_history ${id}:3`, `pa_history ${id}:4`, 'pa_sentinel stream open']);
      open.close();
    } finally {
      await bystander.end();
    }
  });

  it('streams every history entry in order, resumes after Last-Event-ID, and closes once decided', async () => {
    const id = await submitApplication(a, 'live-relay');
    const first = await stream(a, `/api/v1/applications/${id}/events`, ann);
    expect(first.status).toBe(200);
    const opened = await first.until((m) => m.some((e) => e.data.type === 'step_opened'));
    expect(opened[0]!.data).toEqual(
      expect.objectContaining({
        applicationId: id,
        seq: 1,
        type: 'submitted',
        actor: { role: 'applicant', id: 'ann' },
      }),
    );
    await first.until(() => first.comments.includes('heartbeat'));

    // Decided by the other process: the stream on `a` hears it through the database.
    await approve(b, 'live-check', id);
    const afterCheck = await first.until((m) =>
      m.some((e) => e.data.type === 'step_opened' && e.data.step === 'issue'),
    );
    const seen = afterCheck.length;
    expect(afterCheck.map((e) => Number(e.id))).toEqual(afterCheck.map((_, i) => i + 1));
    first.close();

    await approve(b, 'live-issue', id);
    const history = (await a.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body.events;

    const resumed = await stream(a, `/api/v1/applications/${id}/events`, ann, {
      'last-event-id': String(seen),
    });
    expect(resumed.status).toBe(200);
    await resumed.closed();
    const events = resumed.messages.filter((m) => m.event === 'message');
    expect(events.map((e) => e.data.seq)).toEqual(history.slice(seen).map((h: { seq: number }) => h.seq));
    expect(events.map((e) => e.data.type)).toEqual(history.slice(seen).map((h: { type: string }) => h.type));
    expect(events.at(-1)!.data.type).toBe('application_approved');
    expect(resumed.messages.at(-1)).toEqual({ event: 'end', data: { status: 'approved' } });

    // Everything seen and decided: 204 tells an EventSource not to reconnect.
    const again = await stream(a, `/api/v1/applications/${id}/events`, ann, {
      'last-event-id': String(history.at(-1).seq),
    });
    expect(again.status).toBe(204);
  });

  it('stays open while a correction is awaited, and closes when the application lapses for want of one', async () => {
    const id = await submitApplication(a, 'live-lapse');
    const events = await stream(a, `/api/v1/applications/${id}/events`, ann);
    const task = await inboxTask(a, 'lapse-check', id);
    const returned = await a.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('lapse-check'),
      body: { outcome: 'return', comment: 'Say more', fields: ['note'] },
    });
    expect(returned.status).toBe(200);
    await events.until((m) => m.some((e) => e.data.type === 'application_correction_requested'));
    await events.closed();
    const types = events.messages.filter((m) => m.event === 'message').map((m) => m.data.type);
    expect(types.slice(-2)).toEqual(['correction_lapsed', 'application_lapsed']);
    expect(events.messages.at(-1)).toEqual({ event: 'end', data: { status: 'lapsed' } });
    const again = await stream(a, `/api/v1/applications/${id}/events`, ann, {
      'last-event-id': String(events.messages.filter((m) => m.event === 'message').at(-1)!.id),
    });
    expect(again.status).toBe(204);
  });

  it('ends a stream when its token stops being accepted, and sends the headers every answer carries', async () => {
    const id = await submitApplication(a, 'live-relay');
    // Issued so long ago that the maximum token age ends two seconds from now.
    const now = Math.floor(Date.now() / 1000);
    const ageing = await new SignJWT({ role: 'applicant' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ann')
      .setIssuedAt(now - SECURITY_DEFAULTS.jwtMaxTokenAgeSeconds + 2)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const client = await SseClient.open(`${a.baseUrl}/api/v1/applications/${id}/events`, {
      authorization: `Bearer ${ageing}`,
    });
    expect(client.status).toBe(200);
    // A hijacked reply sends only the headers written on it: the stream carries the security headers too.
    expect(client.headers?.get('cache-control')).toBe('no-store, no-transform');
    expect(client.headers?.get('x-content-type-options')).toBe('nosniff');
    await client.until((messages) => messages.some((m) => m.data?.type === 'submitted'));
    await client.closed(10_000);
    expect(client.messages.some((m) => m.event === 'end')).toBe(false);
    // The client's reconnect with the same token is refused: it needs a new one.
    const again = await a.request('GET', `/api/v1/applications/${id}/events`, {
      headers: { authorization: `Bearer ${ageing}` },
    });
    expectProblem(again, 401);
  });

  it("hides another applicant's application and refuses officers", async () => {
    const id = await submitApplication(a, 'live-relay');
    const other = await a.request('GET', `/api/v1/applications/${id}/events`, { as: applicant('bob') });
    expectProblem(other, 404);
    const asOfficer = await a.request('GET', `/api/v1/applications/${id}/events`, {
      as: officer('live-check'),
    });
    expectProblem(asOfficer, 403);
    const anonymous = await a.request('GET', `/api/v1/applications/${id}/events`);
    expectProblem(anonymous, 401);
  });

  it("sends an officer the changes to their own department's tasks, whichever process made them", async () => {
    const inbox = await stream(a, '/api/v1/tasks/events', officer('live-check'));
    const other = await stream(a, '/api/v1/tasks/events', officer('live-issue'));
    await inbox.until((m) => m.some((e) => e.event === 'ready'));
    await other.until((m) => m.some((e) => e.event === 'ready'));

    const id = await submitApplication(b, 'live-relay');
    const arrived = await inbox.until((m) =>
      m.some((e) => e.event === 'task' && e.data.applicationId === id),
    );
    const task = arrived.find((e) => e.event === 'task' && e.data.applicationId === id)!.data;
    expect(task).toEqual(
      expect.objectContaining({ step: 'check', department: 'live-check', status: 'open' }),
    );

    await approve(b, 'live-check', id);
    await inbox.until((m) =>
      m.some((e) => e.event === 'task' && e.data.id === task.id && e.data.status === 'approved'),
    );
    // The next department hears of its own task opening, and never of the first department's.
    const next = await other.until((m) => m.some((e) => e.event === 'task' && e.data.applicationId === id));
    expect(next.filter((e) => e.event === 'task').every((e) => e.data.department === 'live-issue')).toBe(
      true,
    );
    inbox.close();
    other.close();
  });

  it('sends an officer of several departments the changes to the tasks of every one of them', async () => {
    const token = await a.token(officer('live-check', 'two-hats'), {
      departments: ['live-check', 'live-issue'],
    });
    const both = await SseClient.open(a.baseUrl + '/api/v1/tasks/events', {
      authorization: `Bearer ${token}`,
    });
    const ready = (await both.until((m) => m.some((e) => e.event === 'ready'))).find(
      (e) => e.event === 'ready',
    );
    expect(ready!.data).toEqual({ department: 'live-check', departments: ['live-check', 'live-issue'] });

    const id = await submitApplication(b, 'live-relay');
    await both.until((m) =>
      m.some((e) => e.event === 'task' && e.data.applicationId === id && e.data.department === 'live-check'),
    );
    await approve(b, 'live-check', id);
    // `issue` opens only once `check` is approved: its department is the token's second.
    const arrived = await both.until((m) =>
      m.some((e) => e.event === 'task' && e.data.applicationId === id && e.data.department === 'live-issue'),
    );
    expect(
      arrived.find(
        (e) => e.event === 'task' && e.data.applicationId === id && e.data.department === 'live-issue',
      )!.data,
    ).toEqual(expect.objectContaining({ step: 'issue', status: 'open' }));
    both.close();
  });

  it("names no department in an admin's ready, whatever department its token claims", async () => {
    const token = await a.token(ADMIN, { departments: ['live-check'] });
    const admin = await SseClient.open(a.baseUrl + '/api/v1/tasks/events', {
      authorization: `Bearer ${token}`,
    });
    const ready = (await admin.until((m) => m.some((e) => e.event === 'ready'))).find(
      (e) => e.event === 'ready',
    );
    expect(ready!.data).toEqual({ department: null, departments: null });
    admin.close();
  });
});

describe('live updates: streams one caller may hold open', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { security: { ...SECURITY_DEFAULTS, streamsPerCaller: 2 } } });
    await registerNew(t, [relay]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const open = async (path: string, as: Caller) =>
    SseClient.open(t.baseUrl + path, { authorization: `Bearer ${await t.token(as)}` });

  it('refuses a stream past STREAMS_PER_CALLER with 429, counts each caller apart, and frees a slot when one closes', async () => {
    const id = await submitApplication(t, 'live-relay');
    const path = `/api/v1/applications/${id}/events`;
    const held = [await open(path, ann), await open(path, ann)];
    expect(held.map((s) => s.status)).toEqual([200, 200]);
    const refused = await t.request('GET', path, { as: ann });
    expectProblem(refused, 429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.body.detail).toMatch(/STREAMS_PER_CALLER/);
    // Officers' inbox streams count for each officer, not against the applicant's.
    const inbox = [
      await open('/api/v1/tasks/events', officer('live-check')),
      await open('/api/v1/tasks/events', officer('live-check')),
    ];
    expect(inbox.map((s) => s.status)).toEqual([200, 200]);
    expect((await open('/api/v1/tasks/events', officer('live-check'))).status).toBe(429);

    // Once a stream closes, its slot is free again; requests arriving together take what is free, and no more.
    held[0]!.close();
    const burst = await eventually(
      async () => {
        const tries = await Promise.all(Array.from({ length: 12 }, () => open(path, ann)));
        return tries;
      },
      (tries) => tries.some((s) => s.status === 200),
    );
    expect(burst.filter((s) => s.status === 200)).toHaveLength(1);
    expect(burst.filter((s) => s.status === 429)).toHaveLength(11);
    for (const s of [...held, ...inbox, ...burst]) s.close();
  });
});

describe('live updates: a task waiting for its fact rule', () => {
  let api: TestApp;
  let worker: TestApp | undefined;

  /** A step in `department` whose rule reads a fact, and a plain one. */
  const workflows = (department: string) => [
    unreachableFactWorkflow(`${department}-rule`, department),
    simpleWorkflow(`${department}-plain`, [{ id: 'plain', timeLimit: { hours: 24 } }], () => department),
  ];

  /** A registry that says every company is active: a rule reading it approves. */
  let registry: Server;
  let registryUrl: string;

  const startWorker = () =>
    TestApp.start({
      databaseUrl: api.databaseUrl,
      queuePrefix: new URL(api.databaseUrl).pathname.slice(1),
      config: { processRole: 'worker', factsAllowedHosts: ['127.0.0.1'] },
    });

  beforeAll(async () => {
    registry = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'active' }));
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/status`;
    // An API process alone: rule jobs wait in the queue until a worker starts (the last tests start one).
    api = await TestApp.start({
      config: {
        processRole: 'api',
        factsAllowedHosts: ['127.0.0.1'],
        security: {
          ...SECURITY_DEFAULTS,
          piiReadQuotas: { departments: new Map([['live-quota', 1]]), others: undefined },
        },
      },
    });
    const approving = unreachableFactWorkflow('live-facts-approved', 'live-facts');
    approving.facts.registry.url = registryUrl;
    await registerNew(api, [...workflows('live-facts'), ...workflows('live-quota'), approving]);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    registry?.closeAllConnections();
    await new Promise((resolve) => registry?.close(resolve));
  });

  it('is not announced as withheld to a department past its read quota', async () => {
    const inbox = await SseClient.open(`${api.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await api.token(officer('live-quota'))}`,
    });
    try {
      await inbox.until((m) => m.some((e) => e.event === 'ready'));
      // A view counts against the quota when it shows a field.
      const shows = { note: 'a field to show' };
      // The quota's one view, then a refusal: from here the stream withholds every change of the department.
      const shown = await submitApplication(api, 'live-quota-plain', shows);
      await inbox.until((m) => m.some((e) => e.event === 'task' && e.data.applicationId === shown));
      await submitApplication(api, 'live-quota-plain', shows);
      await inbox.until((m) => m.some((e) => e.event === 'withheld'));
      const ruled = await submitApplication(api, 'live-quota-rule', shows);
      const ruledTask = (
        await api.query<{ id: string }>('SELECT id FROM tasks WHERE application_id = $1', [ruled])
      )[0]!.id;
      const after = await submitApplication(api, 'live-quota-plain', shows);
      const afterTask = (
        await api.query<{ id: string }>('SELECT id FROM tasks WHERE application_id = $1', [after])
      )[0]!.id;
      const events = await inbox.until((m) => m.some((e) => e.data?.id === afterTask));
      expect(events.filter((e) => e.data?.id === afterTask)).toHaveLength(1);
      expect(events.filter((e) => e.data?.id === ruledTask)).toEqual([]);
    } finally {
      inbox.close();
    }
  });

  it('is out of the inbox stream until its rule has spoken, as it is out of GET /tasks', async () => {
    const inbox = await SseClient.open(`${api.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await api.token(officer('live-facts'))}`,
    });
    try {
      await inbox.until((m) => m.some((e) => e.event === 'ready'));
      const ruled = await submitApplication(api, 'live-facts-rule');
      // Submitted after it, in a transaction of its own: once the stream has sent this one, it has dealt with both.
      const plain = await submitApplication(api, 'live-facts-plain');
      const before = await inbox.until((m) =>
        m.some((e) => e.event === 'task' && e.data.applicationId === plain),
      );
      expect(before.filter((e) => e.data?.applicationId === ruled)).toEqual([]);
      expect(await inboxTask(api, 'live-facts', ruled)).toBeUndefined();
      const recorded = await api.query(
        `SELECT count(*)::int AS n FROM disclosures WHERE application_id = $1 AND kind = 'task-view'`,
        [ruled],
      );
      expect(recorded[0]).toEqual({ n: 0 });

      worker ??= await startWorker();
      // The rule has spoken (it did not hold): the task is in the inbox, and the stream sends it.
      const after = await inbox.until((m) =>
        m.some((e) => e.event === 'task' && e.data.applicationId === ruled),
      );
      expect(after.find((e) => e.data?.applicationId === ruled)!.data).toEqual(
        expect.objectContaining({ step: 'ruled', department: 'live-facts', status: 'open' }),
      );
      expect(await inboxTask(api, 'live-facts', ruled)).toMatchObject({ step: 'ruled', status: 'open' });
    } finally {
      inbox.close();
    }
  });

  it('is never announced when its rule approves it while it waits: the inbox never held it', async () => {
    worker ??= await startWorker();
    const inbox = await SseClient.open(`${api.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await api.token(officer('live-facts'))}`,
    });
    try {
      await inbox.until((m) => m.some((e) => e.event === 'ready'));
      const approved = await submitApplication(api, 'live-facts-approved', { note: 'a field to show' });
      await eventually(
        () => viewOf(api, approved),
        (view) => stepOf(view, 'ruled').status === 'approved' && stepOf(view, 'ruled').decidedBy === 'rule',
      );
      // Submitted after the rule's commit: once the stream has sent this one, it has dealt with the rule's too.
      const plain = await submitApplication(api, 'live-facts-plain');
      const events = await inbox.until((m) =>
        m.some((e) => e.event === 'task' && e.data.applicationId === plain),
      );
      expect(events.filter((e) => e.data?.applicationId === approved)).toEqual([]);
      // No officer was shown it, so the ledger records no view of it.
      const recorded = await api.query(
        `SELECT count(*)::int AS n FROM disclosures WHERE application_id = $1 AND kind = 'task-view'`,
        [approved],
      );
      expect(recorded[0]).toEqual({ n: 0 });
    } finally {
      inbox.close();
    }
  });
});
