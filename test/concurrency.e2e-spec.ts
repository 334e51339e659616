import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { registerNew, samples, submitApplication } from './support/helpers.js';
import { behindRowLock } from './support/row-lock.js';
import { applicant, officer, TestApp } from './support/test-app.js';
import type { Caller, Reply } from './support/test-app.js';

const ann = applicant('ann');
const STEPS = 16;
const departments = Array.from({ length: STEPS }, (_, i) => `dept-${String(i + 1).padStart(2, '0')}`);

const sixteen = {
  key: 'sixteen',
  name: 'Sixteen departments at once',
  form: { type: 'object', properties: { name: { type: 'string' } } },
  steps: departments.map((department, i) => ({
    id: `step-${i + 1}`,
    name: `Review ${i + 1}`,
    department,
    timeLimit: { hours: 24 },
  })),
};

const race = {
  key: 'race',
  name: 'One step, two officers',
  form: { type: 'object', properties: { name: { type: 'string' } } },
  steps: [
    { id: 'review', name: 'Review', department: 'race-dept', produces: ['ref'], timeLimit: { hours: 24 } },
    { id: 'other', name: 'Other', department: 'race-other', timeLimit: { hours: 24 } },
  ],
};

describe('concurrency: one path for every event', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
    await registerNew(t, [sixteen, race]);
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (workflow: string, as: Caller = ann) => submitApplication(t, workflow, { name: 'Dan' }, as);

  async function tasksOf(applicationId: string): Promise<Map<string, string>> {
    const rows = await t.query<{ id: string; step: string }>(
      'SELECT id, step FROM tasks WHERE application_id = $1',
      [applicationId],
    );
    return new Map(rows.map((r) => [r.step, r.id]));
  }

  async function decidedRows(applicationId: string): Promise<{ step: string; actor_id: string }[]> {
    return t.query(
      `SELECT step, actor_id FROM history WHERE application_id = $1 AND type = 'decided' ORDER BY seq`,
      [applicationId],
    );
  }

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = await t.query<{ n: string }>(sql, params);
    return Number(row!.n);
  }

  async function expectConsistentAfterSixteen(app: TestApp, applicationId: string) {
    const view = await app.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
    expect(view.body.status).toBe('approved');
    expect(view.body.revision).toBe(1 + STEPS);
    expect(view.body.steps.every((s: { status: string }) => s.status === 'approved')).toBe(true);

    const decided = await decidedRows(applicationId);
    expect(decided).toHaveLength(STEPS);
    expect(new Set(decided.map((r) => r.step)).size).toBe(STEPS);
    const finals = await count(
      `SELECT count(*) AS n FROM history WHERE application_id = $1 AND type = 'application_approved'`,
      [applicationId],
    );
    expect(finals).toBe(1);
    const approvedTasks = await count(
      `SELECT count(*) AS n FROM tasks WHERE application_id = $1 AND status = 'approved'`,
      [applicationId],
    );
    expect(approvedTasks).toBe(STEPS);

    const history = await app.request('GET', `/api/v1/applications/${applicationId}/history`, { as: ann });
    expect(history.body.chain.valid).toBe(true);
    const seqs = history.body.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  }

  describe('16 concurrent approvals on one application', () => {
    it('applies every one exactly once: approved, revision 1 + 16, one decided row per step, a valid chain', async () => {
      const applicationId = await submit('sixteen');
      const tasks = await tasksOf(applicationId);
      expect(tasks.size).toBe(STEPS);

      const replies = await Promise.all(
        sixteen.steps.map((s) =>
          t.request('POST', `/api/v1/tasks/${tasks.get(s.id)}/decision`, {
            as: officer(s.department),
            body: { outcome: 'approve' },
          }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: STEPS }, () => 200));
      for (const reply of replies) expect(reply.body.status).toBe('approved');
      await expectConsistentAfterSixteen(t, applicationId);
    });

    it('stays exact when the approvals are split across two processes on one database', async () => {
      const second = await TestApp.start({ databaseUrl: t.databaseUrl });
      try {
        const applicationId = await submit('sixteen');
        const tasks = await tasksOf(applicationId);
        const replies = await Promise.all(
          sixteen.steps.map((s, i) =>
            (i % 2 === 0 ? t : second).request('POST', `/api/v1/tasks/${tasks.get(s.id)}/decision`, {
              as: officer(s.department),
              body: { outcome: 'approve' },
            }),
          ),
        );
        expect(replies.map((r) => r.status)).toEqual(Array.from({ length: STEPS }, () => 200));
        await expectConsistentAfterSixteen(second, applicationId);
      } finally {
        await second.close();
      }
    });
  });

  describe('decisions that meet between read and write', () => {
    /** A gauge or counter of `app`'s /metrics. */
    const metric = async (name: string, app: TestApp = t) => {
      const reply = await app.request<string>('GET', '/metrics');
      expect(reply.status).toBe(200);
      const value = samples(reply.body).get(name);
      expect(value).toEqual(expect.any(Number));
      return value!;
    };
    const retries = (app: TestApp = t) => metric('pa_event_retries_total', app);

    it('plans the later one again against the earlier, answers both 200, and counts the second turn in /metrics', async () => {
      // Decided through a process other than the one that submitted: this one has not seen the application's
      // tasks, so its events meet at the write (the next test shows why that matters).
      const other = await TestApp.start({ databaseUrl: t.databaseUrl });
      try {
        const applicationId = await submit('sixteen');
        const tasks = await tasksOf(applicationId);
        const before = await retries(other);
        // Both decisions read one revision and then wait to write it, so the one written second must find the
        // revision it was planned from replaced.
        const replies = await behindRowLock(t.databaseUrl, applicationId, () =>
          sixteen.steps.slice(0, 2).map((s) =>
            other.request('POST', `/api/v1/tasks/${tasks.get(s.id)}/decision`, {
              as: officer(s.department),
              body: { outcome: 'approve' },
            }),
          ),
        );
        expect(replies.map((r) => [r.status, r.body.status])).toEqual([
          [200, 'approved'],
          [200, 'approved'],
        ]);
        expect((await retries(other)) - before).toBe(1);
        const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
        expect(view.body.revision).toBe(3);
        expect(await decidedRows(applicationId)).toHaveLength(2);
        const history = await t.request('GET', `/api/v1/applications/${applicationId}/history`, { as: ann });
        expect(history.body.chain.valid).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('lets decisions sent at once to one process wait for one another instead: each is planned once, and /metrics shows them waiting', async () => {
      const applicationId = await submit('sixteen');
      const tasks = await tasksOf(applicationId);
      const before = await retries();
      // The first decision is planned and waits on the lock to write; the other two wait in the process, not yet
      // planned, and the gauge says so. Had they gone on, three sessions would wait on the lock.
      const replies = await behindRowLock(
        t.databaseUrl,
        applicationId,
        () =>
          sixteen.steps.slice(0, 3).map((s) =>
            t.request('POST', `/api/v1/tasks/${tasks.get(s.id)}/decision`, {
              as: officer(s.department),
              body: { outcome: 'approve' },
            }),
          ),
        { until: async (lockWaiters) => lockWaiters === 1 && (await metric('pa_events_waiting')) === 2 },
      );
      expect(replies.map((r) => [r.status, r.body.status])).toEqual([
        [200, 'approved'],
        [200, 'approved'],
        [200, 'approved'],
      ]);
      expect((await retries()) - before).toBe(0);
      expect(await metric('pa_events_waiting')).toBe(0);
      const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
      expect(view.body.revision).toBe(4);
      expect(await decidedRows(applicationId)).toHaveLength(3);
      const history = await t.request('GET', `/api/v1/applications/${applicationId}/history`, { as: ann });
      expect(history.body.chain.valid).toBe(true);
    });

    /** Three decisions on one application, all read before any is written, through `app`; their replies. */
    const threeMet = async (app: TestApp, applicationId: string) => {
      const tasks = await tasksOf(applicationId);
      return behindRowLock(t.databaseUrl, applicationId, () =>
        sixteen.steps.slice(0, 3).map((s) =>
          app.request('POST', `/api/v1/tasks/${tasks.get(s.id)}/decision`, {
            as: officer(s.department),
            body: { outcome: 'approve' },
          }),
        ),
      );
    };

    it.each([
      // One unlocked turn: the two that find the revision replaced take the row lock for their second, one after
      // the other, and meet no further conflict.
      { lockAfter: 1, conflicts: 2 },
      // Every event reads under the row lock, as before the compare-and-set: no conflict at all.
      { lockAfter: 0, conflicts: 0 },
    ])(
      'applies each of three met decisions once with EVENT_LOCK_AFTER_CONFLICTS=$lockAfter, counting $conflicts conflicts',
      async ({ lockAfter, conflicts }) => {
        const locking = await TestApp.start({
          databaseUrl: t.databaseUrl,
          config: { eventLockAfterConflicts: lockAfter },
        });
        try {
          const applicationId = await submit('sixteen');
          const before = await retries(locking);
          const replies = await threeMet(locking, applicationId);
          expect(replies.map((r) => [r.status, r.body.status])).toEqual([
            [200, 'approved'],
            [200, 'approved'],
            [200, 'approved'],
          ]);
          expect((await retries(locking)) - before).toBe(conflicts);
          const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
          expect(view.body.revision).toBe(4);
          expect(await decidedRows(applicationId)).toHaveLength(3);
          const history = await t.request('GET', `/api/v1/applications/${applicationId}/history`, {
            as: ann,
          });
          expect(history.body.chain.valid).toBe(true);
        } finally {
          await locking.close();
        }
      },
    );
  });

  describe('two processes, each planning from what it wrote last', () => {
    it('answers from the stored state when the other process has changed it since: a release there lets a decision here through', async () => {
      const other = await TestApp.start({ databaseUrl: t.databaseUrl });
      try {
        const applicationId = await submit('race');
        const taskId = (await tasksOf(applicationId)).get('review')!;
        const bea = officer('race-dept', 'bea');
        const cy = officer('race-dept', 'cy');
        const url = `/api/v1/tasks/${taskId}`;
        // This process writes the claim, and so knows the step as Bea's; the other process releases it.
        expect((await t.request('POST', `${url}/claim`, { as: bea })).status).toBe(200);
        expect((await other.request('POST', `${url}/release`, { as: bea })).status).toBe(200);
        const decided = await t.request('POST', `${url}/decision`, {
          as: cy,
          body: { outcome: 'approve', produces: { ref: 'R-1' } },
        });
        expect([decided.status, decided.body.status]).toEqual([200, 'approved']);
        // And the other way round: the other process still knows the step as released and open; this one
        // decided it, so a decision sent there now is refused, from the stored state.
        const again = await other.request('POST', `${url}/decision`, {
          as: bea,
          body: { outcome: 'approve', produces: { ref: 'R-2' } },
        });
        expect(again.status).toBe(409);
        const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
        expect(view.body.revision).toBe(4);
        expect(await decidedRows(applicationId)).toEqual([{ step: 'review', actor_id: 'cy' }]);
        const history = await t.request('GET', `/api/v1/applications/${applicationId}/history`, { as: ann });
        expect(history.body.chain.valid).toBe(true);
      } finally {
        await other.close();
      }
    });
  });

  describe('the same-task race', () => {
    it.each([
      // The process that submitted: the two wait for each other in it, and the second is refused from a read.
      { through: 'the submitting process', other: false },
      // A process that has not written for the application: both are read at once, and the write's revision check
      // decides which one stands.
      { through: 'another process', other: true },
    ])(
      'lets exactly one of two officers deciding one task at once through $through win; the other gets 409',
      async ({ other }) => {
        const app = other ? await TestApp.start({ databaseUrl: t.databaseUrl }) : t;
        try {
          await race(app);
        } finally {
          if (other) await app.close();
        }
      },
    );

    async function race(app: TestApp) {
      for (let round = 0; round < 10; round++) {
        const applicationId = await submit('race');
        const taskId = (await tasksOf(applicationId)).get('review')!;
        // Alternate who rejects, so the winner's outcome is visible in the end state.
        const bodies =
          round % 2 === 0
            ? [{ outcome: 'approve', produces: { ref: `R-${round}` } }, { outcome: 'reject' }]
            : [{ outcome: 'reject' }, { outcome: 'approve', produces: { ref: `R-${round}` } }];
        const replies = await Promise.all(
          bodies.map((body, i) =>
            app.request('POST', `/api/v1/tasks/${taskId}/decision`, {
              as: officer('race-dept', `racer-${i}`),
              body,
            }),
          ),
        );
        expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
        const loser = replies.find((r) => r.status === 409)!;
        expect(loser.headers.get('content-type')).toContain('application/problem+json');
        const winner = replies.find((r) => r.status === 200)!;
        const winningBody = bodies[replies.indexOf(winner)]!;

        const decided = await decidedRows(applicationId);
        expect(decided).toHaveLength(1);
        expect(decided[0]!.actor_id).toBe(`racer-${replies.indexOf(winner)}`);

        const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
        const review = view.body.steps.find((s: { id: string }) => s.id === 'review');
        if (winningBody.outcome === 'approve') {
          expect(review.status).toBe('approved');
          expect(view.body.status).toBe('in_review');
          expect(view.body.produced).toEqual({ ref: `R-${round}` });
        } else {
          expect(review.status).toBe('rejected');
          expect(view.body.status).toBe('rejected');
          expect(view.body.produced).toEqual({});
        }
        expect(view.body.revision).toBe(2);
        const [task] = await t.query<{ signoffs: unknown[] }>('SELECT signoffs FROM tasks WHERE id = $1', [
          taskId,
        ]);
        expect(task!.signoffs).toHaveLength(winningBody.outcome === 'approve' ? 1 : 0);
      }
    }
  });

  describe('idempotent retries', () => {
    function submitWithKey(key: string, data: Record<string, unknown>, as: Caller = ann): Promise<Reply> {
      return t.request('POST', '/api/v1/applications', {
        as,
        body: { workflow: 'race', data },
        headers: { 'idempotency-key': key },
      });
    }

    const applicationsOf = (sub: string) =>
      count('SELECT count(*) AS n FROM applications WHERE applicant_id = $1', [sub]);

    it('replays a submission retried with the same key and body, creating nothing new', async () => {
      const sub = 'idem-submit';
      const as = applicant(sub);
      const first = await submitWithKey('key-1', { name: 'Eve' }, as);
      expect(first.status).toBe(201);
      const historyRows = await count('SELECT count(*) AS n FROM history WHERE application_id = $1', [
        first.body.id,
      ]);

      const retry = await submitWithKey('key-1', { name: 'Eve' }, as);
      expect(retry.status).toBe(first.status);
      expect(retry.body).toStrictEqual(first.body);
      expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(await applicationsOf(sub)).toBe(1);
      expect(await count('SELECT count(*) AS n FROM tasks WHERE application_id = $1', [first.body.id])).toBe(
        2,
      );
      expect(
        await count('SELECT count(*) AS n FROM history WHERE application_id = $1', [first.body.id]),
      ).toBe(historyRows);
    });

    it('replays the very bytes of the first response, not merely an equivalent JSON document', async () => {
      // API.md: "a retry with the same key and body gets the first response again (same status and body)".
      const send = async (path: string, as: Caller, body: unknown, key: string) => {
        const response = await fetch(t.baseUrl + path, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await t.token(as)}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
        });
        return { status: response.status, text: await response.text() };
      };
      const as = applicant('idem-bytes');
      const submitBody = { workflow: 'race', data: { name: 'Ida' } };
      const first = await send('/api/v1/applications', as, submitBody, 'bytes-1');
      const retry = await send('/api/v1/applications', as, submitBody, 'bytes-1');
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.text).toBe(first.text);

      const applicationId = (JSON.parse(first.text) as { id: string }).id;
      const taskId = (await tasksOf(applicationId)).get('other')!;
      const clerk = officer('race-other');
      const decision = { outcome: 'approve', comment: 'ok' };
      const decided = await send(`/api/v1/tasks/${taskId}/decision`, clerk, decision, 'bytes-2');
      const again = await send(`/api/v1/tasks/${taskId}/decision`, clerk, decision, 'bytes-2');
      expect(decided.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.text).toBe(decided.text);
    });

    it('refuses the same key with another body with 409, creating nothing', async () => {
      const sub = 'idem-conflict';
      const as = applicant(sub);
      expect((await submitWithKey('key-1', { name: 'Eve' }, as)).status).toBe(201);
      const conflict = await submitWithKey('key-1', { name: 'Someone else' }, as);
      expect(conflict.status).toBe(409);
      expect(conflict.headers.get('content-type')).toContain('application/problem+json');
      expect(await applicationsOf(sub)).toBe(1);
    });

    it('creates exactly one application for five concurrent requests with the same key', async () => {
      const sub = 'idem-concurrent';
      const as = applicant(sub);
      const replies = await Promise.all(
        Array.from({ length: 5 }, () => submitWithKey('same-key', { name: 'Fay' }, as)),
      );
      expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      for (const reply of replies) expect(reply.body).toStrictEqual(replies[0]!.body);
      expect(await applicationsOf(sub)).toBe(1);
      const [only] = await t.query<{ id: string }>('SELECT id FROM applications WHERE applicant_id = $1', [
        sub,
      ]);
      expect(only!.id).toBe(replies[0]!.body.id);
    });

    it('keeps keys per caller: another applicant with the same key gets their own application', async () => {
      const mine = await submitWithKey('shared-key', { name: 'Gus' }, applicant('idem-a'));
      const theirs = await submitWithKey('shared-key', { name: 'Gus' }, applicant('idem-b'));
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(await applicationsOf('idem-a')).toBe(1);
      expect(await applicationsOf('idem-b')).toBe(1);
      const view = await t.request('GET', `/api/v1/applications/${theirs.body.id}`, {
        as: applicant('idem-b'),
      });
      expect(view.status).toBe(200);
      const crossed = await t.request('GET', `/api/v1/applications/${theirs.body.id}`, {
        as: applicant('idem-a'),
      });
      expect(crossed.status).toBe(404);
    });

    describe('on decisions', () => {
      function decideWithKey(taskId: string, key: string, body: Record<string, unknown>, sub = 'clerk') {
        return t.request('POST', `/api/v1/tasks/${taskId}/decision`, {
          as: officer('race-dept', sub),
          body,
          headers: { 'idempotency-key': key },
        });
      }

      it('replays a decision retried with the same key and body, deciding nothing twice', async () => {
        const applicationId = await submit('race');
        const taskId = (await tasksOf(applicationId)).get('review')!;
        const body = { outcome: 'approve', comment: 'fine', produces: { ref: 'R-1' } };
        const first = await decideWithKey(taskId, 'decide-1', body);
        expect(first.status).toBe(200);
        expect(first.body.status).toBe('approved');
        const historyRows = await count('SELECT count(*) AS n FROM history WHERE application_id = $1', [
          applicationId,
        ]);

        const retry = await decideWithKey(taskId, 'decide-1', body);
        expect(retry.status).toBe(200);
        expect(retry.body).toStrictEqual(first.body);
        expect(await decidedRows(applicationId)).toHaveLength(1);
        expect(
          await count('SELECT count(*) AS n FROM history WHERE application_id = $1', [applicationId]),
        ).toBe(historyRows);
        const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
        expect(view.body.revision).toBe(2);

        // Without the key the same request is a second decision, refused because the task is no longer open.
        const fresh = await t.request('POST', `/api/v1/tasks/${taskId}/decision`, {
          as: officer('race-dept', 'clerk'),
          body,
        });
        expect(fresh.status).toBe(409);
        // The same key with another body is a conflict, not a replay.
        const other = await decideWithKey(taskId, 'decide-1', { ...body, comment: 'changed my mind' });
        expect(other.status).toBe(409);
        expect(other.headers.get('content-type')).toContain('application/problem+json');
        expect(await decidedRows(applicationId)).toHaveLength(1);
      });

      it('decides once for five concurrent requests with the same key, all answered alike', async () => {
        const applicationId = await submit('race');
        const taskId = (await tasksOf(applicationId)).get('review')!;
        const replies = await Promise.all(
          Array.from({ length: 5 }, () => decideWithKey(taskId, 'decide-burst', { outcome: 'reject' })),
        );
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
        for (const reply of replies) expect(reply.body).toStrictEqual(replies[0]!.body);
        expect(replies[0]!.body.status).toBe('rejected');
        expect(await decidedRows(applicationId)).toHaveLength(1);
      });
    });
  });
});
