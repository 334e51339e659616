import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  expectProblem,
  inboxTask,
  paths,
  registerNew,
  simpleWorkflow,
  stepOf,
  submitApplication,
  viewOf,
} from './support/helpers.js';
import { eventually } from './support/eventually.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';

/**
 * licence (market-regulation) --licenceNo--> food (market-regulation); fire (fire-rescue); filing (commerce) is
 * approved by rule for small restaurants; notice (urban-management) is deemed approved after 2 s.
 * Committed: 4 x 24 h in series plus 2 s = 345,602 s; in parallel licence then food = 172,800 s.
 */
const workflow = {
  key: 'report-demo',
  name: 'Report demo',
  form: { type: 'object', required: ['seats'], properties: { seats: { type: 'integer' } } },
  steps: [
    {
      id: 'licence',
      name: 'Licence',
      department: 'market-regulation',
      produces: ['licenceNo'],
      timeLimit: { hours: 24 },
    },
    { id: 'fire', name: 'Fire', department: 'fire-rescue', timeLimit: { hours: 24 } },
    {
      id: 'food',
      name: 'Food',
      department: 'market-regulation',
      needs: ['licenceNo'],
      timeLimit: { hours: 24 },
    },
    {
      id: 'filing',
      name: 'Filing',
      department: 'commerce',
      autoApprove: { '<=': [{ var: 'seats' }, 20] },
      timeLimit: { hours: 24 },
    },
    {
      id: 'notice',
      name: 'Notice',
      department: 'urban-management',
      onTimeout: 'approve',
      timeLimit: { seconds: 2 },
    },
  ],
};

const HOUR = 3600;

/**
 * Known timings, in seconds after each application's submission: [opened, decided, due]. The dependant opens at
 * the instant its prerequisite is decided, as the engine does.
 */
const TIMINGS: Record<
  string,
  { submitted: string; decided: number | null; steps: Record<string, number[]> }
> = {
  // approved after 6 h; in series 2 + 5 + 4 h + 10 s + 1 h; critical path licence -> food
  a: {
    submitted: '2026-03-02T01:00:00Z',
    decided: 6 * HOUR,
    steps: {
      licence: [0, 2 * HOUR, 24 * HOUR],
      fire: [0, 5 * HOUR, 24 * HOUR],
      food: [2 * HOUR, 6 * HOUR, 26 * HOUR],
      filing: [0, 10, 24 * HOUR],
      notice: [0, HOUR, HOUR],
    },
  },
  // approved after 10 h, the fire review late (due at 8 h); critical path fire
  b: {
    submitted: '2026-03-03T01:00:00Z',
    decided: 10 * HOUR,
    steps: {
      licence: [0, HOUR, 24 * HOUR],
      fire: [0, 10 * HOUR, 8 * HOUR],
      food: [HOUR, 3 * HOUR, 25 * HOUR],
      filing: [0, 10, 24 * HOUR],
      notice: [0, HOUR, HOUR],
    },
  },
  // rejected at 3 h by the licence officer; the fire review was cancelled then
  d: {
    submitted: '2026-03-04T01:00:00Z',
    decided: 3 * HOUR,
    steps: {
      licence: [0, 3 * HOUR, 24 * HOUR],
      fire: [0, 3 * HOUR, 24 * HOUR],
      filing: [0, 10, 24 * HOUR],
      notice: [0, HOUR, HOUR],
    },
  },
  // still in review: only the rule and the timeout have acted
  c: {
    submitted: '2026-03-05T01:00:00Z',
    decided: null,
    steps: { licence: [0], fire: [0], filing: [0, 10, 24 * HOUR], notice: [0, HOUR, HOUR] },
  },
};

describe('workflow reports over HTTP', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  const decide = async (department: string, id: string, outcome: 'approve' | 'reject', produces?: object) => {
    const task = await eventually(
      () => inboxTask(t, department, id),
      (x) => x !== undefined,
    );
    const reply = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer(department),
      body: { outcome, ...(produces ? { produces } : {}) },
    });
    expect(reply.status).toBe(200);
  };
  const settled = (id: string, step: string, status: string) =>
    eventually(
      () => viewOf(t, id),
      (v) => stepOf(v, step)?.status === status,
    );

  beforeAll(async () => {
    t = await TestApp.start();
    await registerNew(t, [workflow]);
    for (const name of ['a', 'b', 'd', 'c']) {
      const id = await submitApplication(t, 'report-demo', { seats: 10 });
      ids[name] = id;
      await settled(id, 'filing', 'approved');
      await settled(id, 'notice', 'approved');
    }
    for (const name of ['a', 'b']) {
      await decide('market-regulation', ids[name]!, 'approve', { licenceNo: `L-${name}` });
      await decide('fire-rescue', ids[name]!, 'approve');
      await decide('market-regulation', ids[name]!, 'approve');
    }
    await decide('market-regulation', ids.d!, 'reject');
    expect((await viewOf(t, ids.a!)).status).toBe('approved');
    expect((await viewOf(t, ids.b!)).status).toBe('approved');
    expect((await viewOf(t, ids.d!)).status).toBe('rejected');
    expect((await viewOf(t, ids.c!)).status).toBe('in_review');

    // The applications went through the API; only their clocks are set here, so that every figure is known.
    for (const [name, timing] of Object.entries(TIMINGS)) {
      const id = ids[name]!;
      const at = (s: number) => new Date(Date.parse(timing.submitted) + s * 1000).toISOString();
      await t.query(`UPDATE applications SET submitted_at = $2, decided_at = $3 WHERE id = $1`, [
        id,
        at(0),
        timing.decided === null ? null : at(timing.decided),
      ]);
      for (const [step, [opened, decided, due]] of Object.entries(timing.steps)) {
        const rows = await t.query(
          `UPDATE tasks SET opened_at = $3, decided_at = CASE WHEN decided_at IS NULL THEN NULL ELSE $4::timestamptz END,
                  due_at = $5
            WHERE application_id = $1 AND step = $2 RETURNING status`,
          [id, step, at(opened!), decided === undefined ? null : at(decided), at(due ?? 24 * HOUR)],
        );
        expect(rows).toHaveLength(1);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('counts applications by status and times them end to end (median and p90)', async () => {
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: ADMIN });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      workflow: 'report-demo',
      from: null,
      to: null,
      applications: {
        total: 4,
        byStatus: { in_review: 1, correction_requested: 0, approved: 2, rejected: 1, withdrawn: 0 },
      },
      // Decided after 3, 6 and 10 h: median 6 h; p90 interpolates 80 % of the way from 6 h to 10 h = 9.2 h.
      endToEnd: { decided: 3, medianSeconds: 6 * HOUR, p90Seconds: 9.2 * HOUR },
    });
  });

  it('reports per department the median decision time, on-time rate, deemed and rule approvals and returns', async () => {
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: ADMIN });
    expect(reply.body.departments).toEqual([
      // filing: four rule approvals in 10 s
      {
        department: 'commerce',
        decided: 4,
        medianDecisionSeconds: 10,
        onTime: 4,
        onTimeRate: 1,
        deemedApprovals: 0,
        ruleApprovals: 4,
        returns: 0,
        ratings: 0,
        ratingAverage: null,
      },
      // fire: 5 h in time, 10 h late (due at 8 h); the cancelled review of the rejected application is no decision
      {
        department: 'fire-rescue',
        decided: 2,
        medianDecisionSeconds: 7.5 * HOUR,
        onTime: 1,
        onTimeRate: 0.5,
        deemedApprovals: 0,
        ruleApprovals: 0,
        returns: 0,
        ratings: 0,
        ratingAverage: null,
      },
      // licence 2 h, 1 h, 3 h (the rejection); food 4 h, 2 h: median 2 h
      {
        department: 'market-regulation',
        decided: 5,
        medianDecisionSeconds: 2 * HOUR,
        onTime: 5,
        onTimeRate: 1,
        deemedApprovals: 0,
        ruleApprovals: 0,
        returns: 0,
        ratings: 0,
        ratingAverage: null,
      },
      // notice: four deemed approvals at the due time, none of them a decision in time
      {
        department: 'urban-management',
        decided: 4,
        medianDecisionSeconds: HOUR,
        onTime: 0,
        onTimeRate: 0,
        deemedApprovals: 4,
        ruleApprovals: 0,
        returns: 0,
        ratings: 0,
        ratingAverage: null,
      },
    ]);
  });

  it('sets the realised speedup over decided applications beside the committed one', async () => {
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: ADMIN });
    // In series: a 12 h 10 s, b 14 h 10 s, d 4 h 10 s = 108,030 s; elapsed 6 + 10 + 3 h = 68,400 s.
    expect(reply.body.speedup).toEqual({
      decidedApplications: 3,
      serialSeconds: 108_030,
      elapsedSeconds: 68_400,
      realised: 1.5794,
      realisedCompression: 0.3668,
      committed: 2,
      committedCompression: 0.5,
    });
  });

  it('finds the actual critical paths and the department most often on them', async () => {
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: ADMIN });
    const { bottleneck } = reply.body;
    expect(bottleneck).toMatchObject({ applications: 3, department: 'market-regulation' });
    expect(bottleneck.departments).toEqual([
      // a: licence 2 h + food 4 h; d: licence 3 h
      { department: 'market-regulation', applications: 2, share: 0.6667, seconds: 9 * HOUR },
      { department: 'fire-rescue', applications: 1, share: 0.3333, seconds: 10 * HOUR },
    ]);
    expect(bottleneck.paths).toHaveLength(3);
    expect(bottleneck.paths).toEqual(
      expect.arrayContaining([
        { steps: ['licence', 'food'], applications: 1 },
        { steps: ['fire'], applications: 1 },
        { steps: ['licence'], applications: 1 },
      ]),
    );
  });

  it('limits the report to applications submitted in [from, to)', async () => {
    const reply = await t.request(
      'GET',
      '/api/v1/reports/workflows/report-demo?from=2026-03-03T00:00:00Z&to=2026-03-05T01:00:00Z',
      { as: ADMIN },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      from: '2026-03-03T00:00:00.000Z',
      to: '2026-03-05T01:00:00.000Z',
      applications: { total: 2, byStatus: { approved: 1, rejected: 1, in_review: 0 } },
      endToEnd: { decided: 2, medianSeconds: 6.5 * HOUR },
      speedup: { decidedApplications: 2, serialSeconds: 64_820, elapsedSeconds: 46_800 },
      bottleneck: { applications: 2 },
    });
  });

  it('answers CSV, one figure per row, when asked with Accept: text/csv', async () => {
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', {
      as: ADMIN,
      headers: { accept: 'text/csv' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(reply.body).trim().split('\r\n');
    expect(lines[0]).toBe('section,subject,metric,value');
    expect(lines).toEqual(
      expect.arrayContaining([
        'applications,approved,count,2',
        'end_to_end,,median_seconds,21600',
        'department,fire-rescue,on_time_rate,0.5',
        'department,urban-management,deemed_approvals,4',
        'department,market-regulation,returns,0',
        'speedup,,realised,1.5794',
        'bottleneck,,department,market-regulation',
        'critical_path,licence > food,applications,1',
      ]),
    );
  });

  it('walks the critical path only through prerequisites, past steps a rule approved as they opened', async () => {
    // check is approved by rule in the transaction that opens it, at submission: decided at the instant every root
    // step opened. licence waits for it; fire does not.
    const departments: Record<string, string> = {
      check: 'commerce',
      licence: 'market-regulation',
      fire: 'fire-rescue',
    };
    const day = { timeLimit: { hours: 24 } };
    const filing = workflow.steps.find((s) => s.id === 'filing')!;
    await registerNew(t, [
      simpleWorkflow(
        'report-instant',
        [
          { id: 'check', autoApprove: filing.autoApprove, ...day },
          { id: 'licence', after: ['check'], ...day },
          { id: 'fire', ...day },
        ],
        (id) => departments[id]!,
        { form: workflow.form },
      ),
    ]);
    // One application decided last by licence, one by fire.
    for (const last of ['licence', 'fire'] as const) {
      const id = await submitApplication(t, 'report-instant', { seats: 10 });
      await settled(id, 'check', 'approved');
      const order =
        last === 'licence' ? ['fire-rescue', 'market-regulation'] : ['market-regulation', 'fire-rescue'];
      for (const department of order) await decide(department, id, 'approve');
      expect((await viewOf(t, id)).status).toBe('approved');
    }
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-instant', { as: ADMIN });
    expect(reply.status).toBe(200);
    expect(reply.body.bottleneck.applications).toBe(2);
    expect(reply.body.bottleneck.paths).toEqual(
      expect.arrayContaining([
        { steps: ['check', 'licence'], applications: 1 },
        { steps: ['fire'], applications: 1 },
      ]),
    );
    expect(reply.body.bottleneck.paths).toHaveLength(2);
    expect(
      reply.body.bottleneck.departments.map((d: { department: string; applications: number }) => [
        d.department,
        d.applications,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['commerce', 1],
        ['market-regulation', 1],
        ['fire-rescue', 1],
      ]),
    );
  });

  it('follows one chain back through a graph a rule approves layer by layer at one instant', async () => {
    // 24 layers of two rule-approved steps, each waiting for both of the layer before: all are approved in the
    // transaction of the submission, so each has two prerequisites decided at the instant it opened. Every
    // combination of them would be 2^24 paths; the walk keeps the first prerequisite by step at each layer.
    const LAYERS = 24;
    const layer = (i: number) => [`r${i}a`, `r${i}b`];
    const rules = Array.from({ length: LAYERS }, (_, i) =>
      layer(i + 1).map((id) => ({
        id,
        autoApprove: true,
        timeLimit: { hours: 24 },
        ...(i > 0 ? { after: layer(i) } : {}),
      })),
    ).flat();
    await registerNew(t, [
      simpleWorkflow(
        'report-layers',
        [...rules, { id: 'sign', after: layer(LAYERS), timeLimit: { hours: 24 } }],
        (id) => (id === 'sign' ? 'market-regulation' : 'commerce'),
      ),
    ]);
    const id = await submitApplication(t, 'report-layers');
    await decide('market-regulation', id, 'approve');
    expect((await viewOf(t, id)).status).toBe('approved');

    const reply = await t.request('GET', '/api/v1/reports/workflows/report-layers', { as: ADMIN });
    expect(reply.status).toBe(200);
    expect(reply.body.bottleneck.paths).toEqual([
      { steps: [...Array.from({ length: LAYERS }, (_, i) => `r${i + 1}a`), 'sign'], applications: 1 },
    ]);
  });

  it('is for administrators only', async () => {
    expectProblem(
      await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: officer('fire-rescue') }),
      403,
    );
    expectProblem(await t.request('GET', '/api/v1/reports/workflows/report-demo'), 401);
  });

  it('answers 404 for an unknown workflow and 400 naming a bad period', async () => {
    expectProblem(await t.request('GET', '/api/v1/reports/workflows/no-such-flow', { as: ADMIN }), 404);
    const bad = await t.request('GET', '/api/v1/reports/workflows/report-demo?from=last-week', { as: ADMIN });
    expectProblem(bad, 400);
    expect(paths(bad)).toEqual(['$.from']);
    const empty = await t.request(
      'GET',
      '/api/v1/reports/workflows/report-demo?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z',
      { as: ADMIN },
    );
    expectProblem(empty, 400);
    expect(paths(empty)).toEqual(['$.to']);
  });

  it('answers 400 naming the field for ISO 8601 forms it cannot read as an instant (compact, week, no offset)', async () => {
    for (const [query, path] of [
      ['from=20260101', '$.from'],
      ['to=20260101', '$.to'],
      ['from=2026-W01', '$.from'],
      ['to=2026-W01-1', '$.to'],
      ['from=2026-001', '$.from'],
      ['from=2026-02-30', '$.from'],
      ['from=2026-01-01T08:00:00', '$.from'],
    ]) {
      const reply = await t.request('GET', `/api/v1/reports/workflows/report-demo?${query}`, { as: ADMIN });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual([path]);
    }
    const date = await t.request('GET', '/api/v1/reports/workflows/report-demo?from=2026-03-03', {
      as: ADMIN,
    });
    expect(date.status).toBe(200);
    expect(date.body.from).toBe('2026-03-03T00:00:00.000Z');
  });

  it('reads the other spellings RFC 3339 and ISO 8601 allow: +0800, a space for the T, a lowercase z', async () => {
    const query = new URLSearchParams({ from: '2026-03-03 08:00:00+0800', to: '2026-03-05t01:00:00z' });
    const reply = await t.request('GET', `/api/v1/reports/workflows/report-demo?${query.toString()}`, {
      as: ADMIN,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-05T01:00:00.000Z' });
    // A space for the T sends `new Date()` to its legacy reader, which takes 0020-01-05 for month 20 and 0050 for
    // 1950: the report reads what the check read.
    const early = new URLSearchParams({ from: '0020-01-05 00:00Z', to: '0050-01-01 00:00Z' });
    const old = await t.request('GET', `/api/v1/reports/workflows/report-demo?${early.toString()}`, {
      as: ADMIN,
    });
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ from: '0020-01-05T00:00:00.000Z', to: '0050-01-01T00:00:00.000Z' });
  });

  it('gives per department the count and mean of the ratings applicants gave (好差评)', async () => {
    for (const [name, score] of [
      ['a', 5],
      ['b', 2],
    ] as const) {
      const rated = await t.request('POST', `/api/v1/applications/${ids[name]!}/rating`, {
        as: applicant('ann'),
        body: { score },
      });
      expect(rated.status).toBe(201);
    }
    const reply = await t.request('GET', '/api/v1/reports/workflows/report-demo', { as: ADMIN });
    const ratings = Object.fromEntries(
      reply.body.departments.map(
        (d: { department: string; ratings: number; ratingAverage: number | null }) => [
          d.department,
          [d.ratings, d.ratingAverage],
        ],
      ),
    );
    // Both rated applications had a licence (market-regulation) and a filing (commerce) task.
    expect(ratings['market-regulation']).toEqual([2, 3.5]);
    expect(ratings.commerce).toEqual([2, 3.5]);
  });
});
