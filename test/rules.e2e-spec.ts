import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueService } from '../src/queue/queue.service.js';
import { eventually } from './support/eventually.js';
import {
  inboxTask,
  jobCompleted,
  registerNew,
  stepOf,
  unreachableFactWorkflow,
  viewOf,
} from './support/helpers.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');

/** Another department's data service, for real: a local HTTP server with every way a lookup can go. */
function startRegistry(): Promise<{ server: Server; base: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (path.startsWith('/companies/')) {
      const code = decodeURIComponent(path.slice('/companies/'.length));
      if (code === 'GONE') return send(404, JSON.stringify({ error: 'no such company' }));
      return send(200, JSON.stringify({ code, status: code.startsWith('SUSP') ? 'suspended' : 'active' }));
    }
    if (path.startsWith('/slow/')) {
      setTimeout(() => send(200, JSON.stringify({ status: 'active' })), 1500).unref();
      return;
    }
    if (path.startsWith('/garbled/')) return send(200, '<html>not json</html>', 'text/html');
    // Fails on its first call for each path, then answers: a passing fault the worker retries through.
    if (path.startsWith('/flaky/')) {
      if (hits.get(path) === 1) return send(503, '{}');
      return send(200, JSON.stringify({ status: 'active' }));
    }
    send(500, '{}');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}`, hits });
    });
  });
}

const form = {
  type: 'object',
  properties: {
    seats: { type: 'integer' },
    company: { type: 'object', properties: { code: { type: 'string' } } },
  },
};

function submit(t: TestApp, key: string, data: Record<string, unknown>) {
  return t.request('POST', '/api/v1/applications', { as: ann, body: { workflow: key, data } });
}

const history = async (t: TestApp, id: string) =>
  (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body.events as {
    type: string;
    step: string | null;
    actor: { role: string; id: string };
    detail: any;
  }[];
const ruleEvents = async (t: TestApp, id: string) =>
  (await history(t, id)).filter((e) => e.type === 'rule_approved' || e.type === 'rule_not_held');

/** A step of an hour that its rule may approve. */
const ruleStep = (
  id: string,
  department: string,
  autoApprove: unknown,
  extra: Record<string, unknown> = {},
) => ({
  id,
  name: id,
  department,
  timeLimit: { hours: 1 },
  autoApprove,
  ...extra,
});

describe('instant approval by rule, with facts from shared data', () => {
  let t: TestApp;
  let registry: Awaited<ReturnType<typeof startRegistry>>;

  beforeAll(async () => {
    registry = await startRegistry();
    t = await TestApp.start({ config: { factsAllowedHosts: ['127.0.0.1'] } });
    const facts = {
      registry: { url: `${registry.base}/companies/{company.code}`, timeoutMs: 500, cacheSeconds: 300 },
      slow: { url: `${registry.base}/slow/{company.code}`, timeoutMs: 300 },
      garbled: { url: `${registry.base}/garbled/{company.code}`, timeoutMs: 500 },
      flaky: { url: `${registry.base}/flaky/{company.code}`, timeoutMs: 500 },
    };
    const workflows = [
      {
        key: 'instant-chain',
        name: 'Every step approved by rule',
        form,
        facts,
        steps: [
          {
            id: 'small',
            name: 'Small venue',
            department: 'venues',
            timeLimit: { hours: 1 },
            autoApprove: { '<=': [{ var: 'seats' }, 20] },
          },
          {
            id: 'registered',
            name: 'Registered company',
            department: 'registry-check',
            after: ['small'],
            timeLimit: { hours: 1 },
            autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
          },
          {
            id: 'final',
            name: 'Final',
            department: 'final',
            after: ['registered'],
            timeLimit: { hours: 1 },
            autoApprove: true,
          },
        ],
      },
      {
        key: 'fact-twice',
        name: 'Two steps read one fact',
        form,
        facts,
        steps: [
          ruleStep('first', 'registry-check', { '==': [{ var: 'facts.registry.status' }, 'active'] }),
          ruleStep(
            'second',
            'licensing',
            { '==': [{ var: 'facts.registry.code' }, { var: 'company.code' }] },
            { after: ['first'] },
          ),
        ],
      },
      {
        key: 'fact-negated',
        name: 'Not suspended, by a fact that cannot be read',
        form,
        facts,
        steps: [ruleStep('check', 'checkers', { '!=': [{ var: 'facts.garbled.status' }, 'suspended'] })],
      },
      ...['slow', 'garbled', 'flaky'].map((fact) => ({
        key: `fact-${fact}`,
        name: fact,
        form,
        facts,
        steps: [ruleStep('check', 'checkers', { '==': [{ var: `facts.${fact}.status` }, 'active'] })],
      })),
    ];
    await registerNew(t, workflows);
  });

  afterAll(async () => {
    await t.close();
    registry.server.close();
  });

  it('approves an application whose every step holds by rule within moments, step after step', async () => {
    const submitted = await submit(t, 'instant-chain', { seats: 12, company: { code: 'ACME' } });
    expect(submitted.status).toBe(201);
    const done = await eventually(
      () => viewOf(t, submitted.body.id),
      (v) => v.status === 'approved',
    );
    for (const step of ['small', 'registered', 'final']) {
      expect(stepOf(done, step)).toMatchObject({ status: 'approved', decidedBy: 'rule' });
    }
    const rules = await ruleEvents(t, submitted.body.id);
    expect(rules.map((e) => [e.type, e.step])).toEqual([
      ['rule_approved', 'small'],
      ['rule_approved', 'registered'],
      ['rule_approved', 'final'],
    ]);
  });

  it('keeps the rule, the data and facts it read and its result in the history', async () => {
    const submitted = await submit(t, 'instant-chain', { seats: 8, company: { code: 'ACME-2' } });
    await eventually(
      () => viewOf(t, submitted.body.id),
      (v) => v.status === 'approved',
    );
    const registered = (await ruleEvents(t, submitted.body.id)).find((e) => e.step === 'registered')!;
    expect(registered.actor).toEqual({ role: 'system', id: 'rule' });
    expect(registered.detail).toMatchObject({
      rule: { '==': [{ var: 'facts.registry.status' }, 'active'] },
      read: { 'facts.registry.status': 'active' },
      facts: { registry: { ok: true } },
      result: true,
    });
    // Only what the rule read: not the whole answer, not the URL with the application's values in it.
    expect(registered.detail.facts.registry).not.toHaveProperty('value');
    expect(JSON.stringify(registered.detail)).not.toContain(registry.base);
    const chain = await t.request('GET', `/api/v1/applications/${submitted.body.id}/history`, { as: ann });
    expect(chain.body.chain.valid).toBe(true);
  });

  it('leaves a step with its officers when the rule does not hold', async () => {
    const submitted = await submit(t, 'instant-chain', { seats: 200, company: { code: 'ACME' } });
    const id = submitted.body.id;
    const rules = await eventually(
      () => ruleEvents(t, id),
      (events) => events.length === 1,
    );
    expect(rules[0]).toMatchObject({
      type: 'rule_not_held',
      step: 'small',
      detail: { read: { seats: 200 }, result: false },
    });
    const v = await viewOf(t, id);
    expect(stepOf(v, 'small')).toMatchObject({ status: 'open', decidedBy: null });
    const task = await inboxTask(t, 'venues', id);
    expect(task).toBeDefined();
    const decided = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('venues'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    // The dependant opens and is approved by its own rule in turn.
    await eventually(
      () => viewOf(t, id),
      (x) => stepOf(x, 'registered').status === 'approved',
    );
  });

  it('approves by rule, or deems approved on timeout, a step that produces values: they stay unset, and the step needing them opens', async () => {
    await registerNew(t, [
      {
        key: 'produced-unsaid',
        name: 'A licence approved without an officer',
        form,
        steps: [
          ruleStep(
            'issue',
            'licensing',
            { '<=': [{ var: 'seats' }, 20] },
            { produces: ['licenceNo'], onTimeout: 'approve', timeLimit: { seconds: 1 } },
          ),
          {
            id: 'inspect',
            name: 'Inspect',
            department: 'inspection',
            needs: ['licenceNo'],
            timeLimit: { hours: 1 },
          },
        ],
      },
    ]);
    const ruled = await submit(t, 'produced-unsaid', { seats: 10 });
    expect(ruled.status).toBe(201);
    expect(stepOf(ruled.body, 'issue')).toMatchObject({ status: 'approved', decidedBy: 'rule' });
    expect(stepOf(ruled.body, 'inspect').status).toBe('open');
    expect(ruled.body.produced).toEqual({});

    const waiting = await submit(t, 'produced-unsaid', { seats: 50 });
    expect(stepOf(waiting.body, 'issue').status).toBe('open');
    const deemed = await eventually(
      () => viewOf(t, waiting.body.id),
      (v) => stepOf(v, 'issue').status === 'approved',
    );
    expect(stepOf(deemed, 'issue').decidedBy).toBe('timeout');
    expect(stepOf(deemed, 'inspect').status).toBe('open');
    expect(deemed.produced).toEqual({});
  });

  it.each([
    ['a 404 answer', 'instant-chain', 'GONE', 'registered', /HTTP 404/],
    [
      'a suspended company (the fact holds a value the rule refuses)',
      'instant-chain',
      'SUSP-1',
      'registered',
      null,
    ],
    ['an answer slower than the time-out', 'fact-slow', 'ACME', 'check', /no answer within 300 ms/],
    ['an answer that is not JSON', 'fact-garbled', 'ACME', 'check', /not JSON/],
    [
      'an answer that is not JSON, under a rule the missing answer would satisfy',
      'fact-negated',
      'ACME',
      'check',
      /not JSON/,
    ],
  ])('lets the rule not hold, never reject or block, on %s', async (_case, key, code, step, error) => {
    const submitted = await submit(t, key, { seats: 5, company: { code } });
    const id = submitted.body.id;
    const events = await eventually(
      () => ruleEvents(t, id),
      (list) => list.some((e) => e.step === step),
    );
    const event = events.find((e) => e.step === step)!;
    expect(event.type).toBe('rule_not_held');
    expect(event.detail.result).toBe(false);
    const fact = Object.values(event.detail.facts)[0] as { ok: boolean; error?: string };
    if (error) expect(fact).toMatchObject({ ok: false, error: expect.stringMatching(error) });
    const v = await viewOf(t, id);
    expect(v.status).toBe('in_review');
    expect(stepOf(v, step).status).toBe('open');
  });

  it('retries a lookup that failed with a passing 5xx, and the rule holds', async () => {
    const submitted = await submit(t, 'fact-flaky', { seats: 5, company: { code: 'FLAKY' } });
    const done = await eventually(
      () => viewOf(t, submitted.body.id),
      (v) => v.status === 'approved',
    );
    expect(stepOf(done, 'check').decidedBy).toBe('rule');
    expect(registry.hits.get('/flaky/FLAKY')).toBe(2);
  });

  it('fetches a fact once per application within cacheSeconds: a later step reading it reads the cache', async () => {
    const submitted = await submit(t, 'fact-twice', { seats: 5, company: { code: 'ACME-CACHED' } });
    const id = submitted.body.id;
    const done = await eventually(
      () => viewOf(t, id),
      (v) => v.status === 'approved',
    );
    expect(stepOf(done, 'second').decidedBy).toBe('rule');
    expect(registry.hits.get('/companies/ACME-CACHED')).toBe(1);
    const rules = await ruleEvents(t, id);
    expect(rules.map((e) => [e.step, e.detail.facts.registry])).toEqual([
      ['first', { ok: true, cached: false }],
      ['second', { ok: true, cached: true }],
    ]);
  });

  it('changes nothing when a rule job is delivered a second time', async () => {
    const held = await submit(t, 'instant-chain', { seats: 5, company: { code: 'TWICE' } });
    const notHeld = await submit(t, 'fact-garbled', { seats: 5, company: { code: 'TWICE' } });
    const approved = await eventually(
      () => viewOf(t, held.body.id),
      (v) => v.status === 'approved',
    );
    await eventually(
      () => ruleEvents(t, notHeld.body.id),
      (list) => list.length === 1,
    );
    const before = await viewOf(t, notHeld.body.id);
    const queues = t.app.get(QueueService);
    const redelivered: string[] = [];
    for (const id of [held.body.id, notHeld.body.id]) {
      const tasks = await t.query('SELECT id, step, attempt FROM tasks WHERE application_id = $1', [id]);
      for (const task of tasks) {
        await queues.add('rules', `rule-${task.id}-${task.attempt}-redelivered`, {
          taskId: task.id,
          applicationId: id,
          step: task.step,
          attempt: task.attempt,
        });
        redelivered.push(`rule-${task.id}-${task.attempt}-redelivered`);
      }
    }
    for (const jobId of redelivered) await jobCompleted(t, 'rules', jobId);
    expect((await viewOf(t, held.body.id)).revision).toBe(approved.revision);
    expect((await viewOf(t, notHeld.body.id)).revision).toBe(before.revision);
    expect(await ruleEvents(t, held.body.id)).toHaveLength(3);
    expect(await ruleEvents(t, notHeld.body.id)).toHaveLength(1);
    // The step whose rule did not hold is still open, but its rule has spoken: no second lookup (and this fact is
    // never cached, so a second evaluation would have fetched it again).
    expect(registry.hits.get('/garbled/TWICE')).toBe(1);
  });

  it('accepts a fact on a host outside FACTS_ALLOWED_HOSTS with a warning, and its rule does not hold: the step stays with its officers', async () => {
    const body = {
      key: 'elsewhere',
      name: 'Elsewhere',
      form,
      facts: { registry: { url: 'https://registry.example.org/companies/{company.code}' } },
      steps: [ruleStep('check', 'checkers', { '==': [{ var: 'facts.registry.status' }, 'active'] })],
    };
    const warnings = [
      {
        path: '$.facts.registry.url',
        message: expect.stringMatching(/^host 'registry\.example\.org' is not in FACTS_ALLOWED_HOSTS: /),
      },
    ];
    const analysed = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body });
    expect(analysed.body).toMatchObject({ valid: true, errors: [], warnings });
    const registered = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ key: 'elsewhere', version: 1, warnings });
    // A fact on an allowed host is nothing to warn about.
    const allowed = await t.request('POST', '/api/v1/workflows/analyze', {
      as: ADMIN,
      body: { ...body, facts: { registry: { url: 'http://127.0.0.1:9/companies/{company.code}' } } },
    });
    expect(allowed.body).toMatchObject({ valid: true, errors: [] });
    expect(allowed.body).not.toHaveProperty('warnings');
    const submitted = await submit(t, 'elsewhere', { seats: 5, company: { code: 'ACME' } });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id;
    const [event] = await eventually(
      () => ruleEvents(t, id),
      (list) => list.length > 0,
    );
    expect(event).toMatchObject({ type: 'rule_not_held', step: 'check', detail: { result: false } });
    expect(event!.detail.facts.registry).toMatchObject({
      ok: false,
      error: expect.stringMatching(/FACTS_ALLOWED_HOSTS/),
    });
    expect(stepOf(await viewOf(t, id), 'check').status).toBe('open');
  });
});

describe('a rule job lost with the queue store', () => {
  let api: TestApp;
  let worker: TestApp;
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('is queued again by the sweep and the step is approved by rule', async () => {
    // An API-only process queues the rule job but runs no worker; the queue store is then emptied.
    api = await TestApp.start({ config: { processRole: 'api' } });
    const registered = await api.request('POST', '/api/v1/workflows', {
      as: ADMIN,
      body: {
        key: 'lost-rule',
        name: 'Lost rule',
        form,
        steps: [{ id: 'auto', name: 'Auto', department: 'x', timeLimit: { hours: 1 }, autoApprove: true }],
      },
    });
    expect(registered.status).toBe(201);
    const submitted = await submit(api, 'lost-rule', {});
    const prefix = new URL(api.databaseUrl).pathname.slice(1);
    await api.app.get(QueueService).queue('rules').obliterate({ force: true });
    expect(await api.app.get(QueueService).queue('rules').getJobCounts('wait', 'delayed', 'active')).toEqual({
      wait: 0,
      delayed: 0,
      active: 0,
    });
    worker = await TestApp.start({
      databaseUrl: api.databaseUrl,
      queuePrefix: prefix,
      config: { processRole: 'worker', sweepIntervalMs: 500 },
    });
    const done = await eventually(
      () => viewOf(api, submitted.body.id),
      (v) => v.status === 'approved',
    );
    expect(stepOf(done, 'auto').decidedBy).toBe('rule');
  });
});

describe('a fact rule job lost with the queue store', () => {
  let api: TestApp;
  let worker: TestApp;
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('is queued again by the sweep, and the task stays out of the inbox until the rule has spoken', async () => {
    api = await TestApp.start({ config: { processRole: 'api' } });
    await registerNew(api, [unreachableFactWorkflow('lost-fact-rule', 'x', 'auto')]);
    const submitted = await submit(api, 'lost-fact-rule', {});
    const id = submitted.body.id;
    await api.app.get(QueueService).queue('rules').obliterate({ force: true });
    // The rule has not spoken: the default inbox leaves the task out, `rulePending=true` lists it.
    expect(await inboxTask(api, 'x', id)).toBeUndefined();
    expect(await inboxTask(api, 'x', id, '?rulePending=true')).toMatchObject({
      step: 'auto',
      status: 'open',
    });

    const prefix = new URL(api.databaseUrl).pathname.slice(1);
    worker = await TestApp.start({
      databaseUrl: api.databaseUrl,
      queuePrefix: prefix,
      config: { processRole: 'worker', sweepIntervalMs: 500 },
    });
    const rules = await eventually(
      () => ruleEvents(api, id),
      (events) => events.length === 1,
    );
    expect(rules[0]).toMatchObject({ type: 'rule_not_held', step: 'auto' });
    expect(await inboxTask(api, 'x', id)).toMatchObject({ step: 'auto', status: 'open' });
    expect(await inboxTask(api, 'x', id, '?rulePending=true')).toBeUndefined();
  });
});
