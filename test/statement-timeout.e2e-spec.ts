import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { eventually } from './support/eventually.js';
import { registerNew, submitApplication, taskIds } from './support/helpers.js';
import { applicant, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const reviewer = officer('review-dept', 'rita');

const oneStep = {
  key: 'one-step',
  name: 'One step',
  form: { type: 'object', properties: { name: { type: 'string' } } },
  steps: [{ id: 'review', name: 'Review', department: 'review-dept', timeLimit: { hours: 24 } }],
};

describe('STATEMENT_TIMEOUT_MS: a statement held up too long is cancelled, and the request answers 503', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ config: { security: { ...SECURITY_DEFAULTS, statementTimeoutMs: 500 } } });
    await registerNew(t, [oneStep]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a decision stuck behind a lock held elsewhere with 503, writes nothing, and takes it once the lock goes', async () => {
    const applicationId = await submitApplication(t, 'one-step', { name: 'Dan' }, ann);
    const { review } = await taskIds(t, applicationId);
    const holder = new pg.Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM applications WHERE id = $1 FOR UPDATE', [applicationId]);
      const stuck = await t.request('POST', `/api/v1/tasks/${review}/decision`, {
        as: reviewer,
        body: { outcome: 'approve' },
      });
      expect(stuck.status).toBe(503);
      expect(stuck.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(stuck.headers.get('retry-after')).toBe('5');
      expect(stuck.body.detail).toMatch(/STATEMENT_TIMEOUT_MS/);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    const before = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
    expect(before.body).toMatchObject({ status: 'in_review', revision: 1 });

    const decided = await t.request('POST', `/api/v1/tasks/${review}/decision`, {
      as: reviewer,
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    const after = await eventually(
      () => t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann }),
      (reply) => reply.body.status === 'approved',
    );
    expect(after.body.revision).toBe(2);
    const decisions = await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM history WHERE application_id = $1 AND type = 'decided'`,
      [applicationId],
    );
    expect(decisions[0]!.n).toBe(1);
  });
});
