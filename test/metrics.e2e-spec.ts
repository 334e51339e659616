import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withClient } from '../src/config/pg-client.util.js';
import { eventually } from './support/eventually.js';
import {
  inboxTask,
  registerWorkflow,
  samples,
  simpleWorkflow,
  submitApplication,
  viewOf,
} from './support/helpers.js';
import { applicant, officer, TestApp } from './support/test-app.js';

const TOKEN = 'metrics-token-0123456789';

/** How many of the service's queries like `pattern` (SQL LIKE) wait on a lock in its database now. */
async function waitingOnLock(t: TestApp, pattern: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
    [pattern],
  );
  return row!.n;
}

describe('GET /metrics', () => {
  let t: TestApp;
  const scrape = async () => {
    const reply = await t.request<string>('GET', '/metrics', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return samples(reply.body);
  };

  beforeAll(async () => {
    t = await TestApp.start({ config: { metricsToken: TOKEN } });
    await registerWorkflow(
      t,
      simpleWorkflow(
        'auto',
        [
          { id: 'instant', timeLimit: { hours: 1 }, autoApprove: true },
          { id: 'deemed', after: ['instant'], timeLimit: { seconds: 1 }, onTimeout: 'approve' },
        ],
        (id) => `dept-${id}`,
      ),
    );
    await registerWorkflow(
      t,
      simpleWorkflow('open-one', [{ id: 'review', timeLimit: { hours: 1 } }], () => 'dept-review'),
    );
    await registerWorkflow(
      t,
      simpleWorkflow(
        'late',
        [{ id: 'slow', timeLimit: { seconds: 1 }, onTimeout: 'escalate' }],
        () => 'dept-slow',
      ),
    );
    await registerWorkflow(
      t,
      simpleWorkflow('returns', [{ id: 'check', timeLimit: { hours: 1 } }], () => 'dept-return'),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a scrape without METRICS_TOKEN, or with another token, as a 401 problem', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-metrics-token' }];
    for (const headers of attempts) {
      const reply = await t.request('GET', '/metrics', { headers });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('counts known traffic: requests by route template, applications, open and overdue steps, outcomes, lateness', async () => {
    const auto = [await submitApplication(t, 'auto'), await submitApplication(t, 'auto')];
    await submitApplication(t, 'open-one');
    const late = await submitApplication(t, 'late');
    const missing = await t.request('GET', '/api/v1/applications/00000000-0000-4000-8000-000000000000', {
      as: applicant('ann'),
    });
    expect(missing.status).toBe(404);
    for (const id of auto) {
      await eventually(
        () => viewOf(t, id),
        (v) => v.status === 'approved',
      );
    }
    await eventually(
      () => viewOf(t, late),
      (v) => v.steps[0].overdue === true,
    );
    const inbox = await t.request('GET', '/api/v1/tasks', { as: officer('dept-review') });
    expect(inbox.status).toBe(200);
    // A return for correction is the officer's own decision: the history records it as `decided`.
    const returned = await inboxTask(t, 'dept-return', await submitApplication(t, 'returns'));
    const decided = await t.request('POST', `/api/v1/tasks/${returned.id}/decision`, {
      as: officer('dept-return'),
      body: { outcome: 'return', comment: 'Say more', fields: ['note'] },
    });
    expect(decided.status).toBe(200);

    const m = await scrape();
    expect(
      m.get(
        'pa_http_request_duration_seconds_count{method="POST",route="/api/v1/applications",status="201"}',
      ),
    ).toBe(5);
    expect(
      m.get(
        'pa_http_request_duration_seconds_count{method="GET",route="/api/v1/applications/:id",status="404"}',
      ),
    ).toBe(1);
    expect(
      m.get('pa_http_request_duration_seconds_count{method="GET",route="/api/v1/tasks",status="200"}'),
    ).toBe(2);
    expect(m.get('pa_http_request_duration_seconds_count{method="GET",route="/metrics",status="401"}')).toBe(
      2,
    );

    expect(m.get('pa_applications{workflow="auto",status="approved"}')).toBe(2);
    expect(m.get('pa_applications{workflow="open-one",status="in_review"}')).toBe(1);
    expect(m.get('pa_applications{workflow="late",status="in_review"}')).toBe(1);
    expect(m.get('pa_open_steps{department="dept-review"}')).toBe(1);
    expect(m.get('pa_overdue_steps{department="dept-review"}')).toBe(0);
    expect(m.get('pa_open_steps{department="dept-slow"}')).toBe(1);
    expect(m.get('pa_overdue_steps{department="dept-slow"}')).toBe(1);
    expect(m.get('pa_open_steps{department="dept-instant"}')).toBeUndefined();

    expect(m.get('pa_step_outcomes_total{outcome="deemed"}')).toBe(2);
    expect(m.get('pa_step_outcomes_total{outcome="rule"}')).toBe(2);
    expect(m.get('pa_step_outcomes_total{outcome="returned"}')).toBe(1);
    expect(m.get('pa_deadline_lateness_seconds_count')).toBe(3); // two deemed approvals, one escalation
    expect(m.get('pa_event_path_duration_seconds_count{event="submitted"}')).toBe(5);
    // Rules without facts are decided inside the submission's own event, so they add no event of their own.
    expect(m.get('pa_event_path_duration_seconds_count{event="deemed_approved"}')).toBe(2);

    for (const queue of ['deadlines', 'reminders', 'rules', 'webhooks']) {
      for (const state of ['waiting', 'delayed', 'active', 'failed']) {
        expect(m.get(`pa_queue_jobs{queue="${queue}",state="${state}"}`)).toEqual(expect.any(Number));
      }
    }
    expect(m.get('pa_queue_jobs{queue="rules",state="failed"}')).toBe(0);
    expect(m.get('pa_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
  });

  it("counts no caller waiting for a database connection when the pool has idle ones, the scrape's own queries included", async () => {
    // The scrape's gauges that count rows each ask the pool for a connection; read after them, the pool showed
    // those queries as waiting (3) on a process doing nothing else.
    for (let i = 0; i < 3; i++) {
      const m = await scrape();
      expect(m.get('pa_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('pa_db_pool_connections{state="waiting"}')).toBe(0);
    }
  });

  it('answers scrapes that arrive together from one reading of the database', async () => {
    // A lock holds the scrape's count of applications: scrapes sent meanwhile must wait for that one, not query too.
    await withClient(t.databaseUrl, async (client) => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE applications IN ACCESS EXCLUSIVE MODE');
      const scrapes = Array.from({ length: 20 }, () =>
        t.request<string>('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }),
      );
      const blocked = () => waitingOnLock(t, 'SELECT workflow_key AS workflow, status, count(*)%');
      await eventually(blocked, (n) => n >= 1);
      // Every scrape has reached the server once a request sent after them has been answered.
      expect((await t.request('GET', '/health')).status).toBe(200);
      expect(await blocked()).toBe(1);
      await client.query('ROLLBACK');
      const replies = await Promise.all(scrapes);
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    });
  });
});

describe('GET /health/ready', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers probes that arrive together from one check of the migrations', async () => {
    // A lock holds the check's read of the migrations table: probes sent meanwhile must wait for it, not query too.
    await withClient(t.databaseUrl, async (client) => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE migrations IN ACCESS EXCLUSIVE MODE');
      const probes = Array.from({ length: 20 }, () => t.request('GET', '/health/ready'));
      const blocked = () => waitingOnLock(t, '%"migrations"%');
      await eventually(blocked, (n) => n >= 1);
      // Every probe has reached the server once a request sent after them has been answered.
      expect((await t.request('GET', '/health')).status).toBe(200);
      expect(await blocked()).toBe(1);
      await client.query('ROLLBACK');
      const replies = await Promise.all(probes);
      expect(replies.map((r) => [r.status, r.body.checks.migrations])).toEqual(
        Array.from({ length: 20 }, () => [200, 'applied']),
      );
    });
  });
});
