import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  expectProblem,
  inboxTask,
  paths,
  registerNew,
  simpleWorkflow,
  submitApplication,
} from './support/helpers.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');

/** Two departments in parallel, and a third whose step is skipped unless the note says "full". */
const rated = simpleWorkflow(
  'rated',
  [
    { id: 'aa', timeLimit: { hours: 24 } },
    { id: 'bb', timeLimit: { hours: 24 } },
    { id: 'cc', timeLimit: { hours: 24 }, when: { '==': [{ var: 'note' }, 'full'] } },
  ],
  (id) => `rate-${id}`,
);

describe('ratings (好差评)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
    await registerNew(t, [rated]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const decide = async (department: string, applicationId: string, outcome: 'approve' | 'reject') => {
    const task = await inboxTask(t, department, applicationId);
    const reply = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer(department),
      body: { outcome },
    });
    expect(reply.status).toBe(200);
  };

  const rate = (id: string, body: unknown, as = ann) =>
    t.request('POST', `/api/v1/applications/${id}/rating`, { as, body });

  it('takes one rating per decided application and reports averages per department', async () => {
    const approved = await submitApplication(t, 'rated');
    await decide('rate-aa', approved, 'approve');
    await decide('rate-bb', approved, 'approve');
    const rejected = await submitApplication(t, 'rated');
    await decide('rate-aa', rejected, 'reject');
    const open = await submitApplication(t, 'rated');

    expectProblem(await rate(open, { score: 4 }), 409);

    const first = await rate(approved, { score: 5, comment: '一次办好' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual(
      expect.objectContaining({
        applicationId: approved,
        score: 5,
        comment: '一次办好',
        createdAt: expect.any(String),
      }),
    );
    expectProblem(await rate(approved, { score: 1 }), 409);
    expect((await rate(rejected, { score: 2 })).status).toBe(201);

    const report = await t.request('GET', '/api/v1/ratings', { as: ADMIN });
    expect(report.status).toBe(200);
    expect(report.body).toEqual({
      workflow: null,
      from: null,
      to: null,
      overall: { count: 2, average: 3.5 },
      // Department cc's step was skipped in both: it took no part and gets no rating.
      departments: [
        { department: 'rate-aa', count: 2, average: 3.5 },
        { department: 'rate-bb', count: 2, average: 3.5 },
      ],
    });

    const future = await t.request('GET', `/api/v1/ratings?workflow=rated&from=2999-01-01T00:00:00Z`, {
      as: ADMIN,
    });
    expect(future.body.overall).toEqual({ count: 0, average: null });
    expect(future.body.departments).toEqual([]);
    // Read as the check read it (`new Date()` takes a space-separated 0050 for 1950, and 0020-01-05 for month 20).
    const early = new URLSearchParams({
      workflow: 'rated',
      from: '0020-01-05 00:00Z',
      to: '0050-01-01 00:00Z',
    });
    const old = await t.request('GET', `/api/v1/ratings?${early.toString()}`, { as: ADMIN });
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({
      from: '0020-01-05T00:00:00.000Z',
      to: '0050-01-01T00:00:00.000Z',
      overall: { count: 0, average: null },
    });
    const otherWorkflow = await t.request('GET', '/api/v1/ratings?workflow=nothing-here', { as: ADMIN });
    expect(otherWorkflow.body.overall.count).toBe(0);
  });

  it('refuses bad scores, strangers, officers and non-admin reports', async () => {
    const id = await submitApplication(t, 'rated');
    await decide('rate-aa', id, 'reject');
    for (const score of [0, 6, 2.5, '5']) {
      const reply = await rate(id, { score });
      expectProblem(reply, 400);
      expect(new Set(paths(reply))).toEqual(new Set(['$.score']));
    }
    expectProblem(await rate(id, { score: 3 }, applicant('bob')), 404);
    expectProblem(await rate(id, { score: 3 }, officer('rate-aa')), 403);
    expectProblem(await t.request('GET', '/api/v1/ratings', { as: ann }), 403);
    expectProblem(await t.request('GET', '/api/v1/ratings?from=yesterday', { as: ADMIN }), 400);
  });

  it('answers 400 naming from or to for ISO 8601 forms it cannot read as an instant (compact, week)', async () => {
    for (const [query, path] of [
      ['from=20260101', '$.from'],
      ['to=20260101', '$.to'],
      ['from=2026-W01', '$.from'],
      ['to=2026-W01-1', '$.to'],
    ]) {
      const reply = await t.request('GET', `/api/v1/ratings?${query}`, { as: ADMIN });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual([path]);
    }
  });

  it('answers 400 naming to for a period that holds no instant, as the workflow reports do', async () => {
    for (const query of ['from=2026-01-01&to=2025-01-01', 'from=2026-01-01&to=2026-01-01T00:00:00Z']) {
      const reply = await t.request('GET', `/api/v1/ratings?${query}`, { as: ADMIN });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual(['$.to']);
      expect(reply.body.detail).toBe('The rating period is empty');
    }
  });
});
