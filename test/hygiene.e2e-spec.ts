import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { eventually } from './support/eventually.js';
import { registerWorkflow, simpleWorkflow } from './support/helpers.js';
import { applicant, TestApp } from './support/test-app.js';

const ann = applicant('ann');

describe('expired idempotency keys and cached facts are purged', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({
      config: {
        security: {
          ...SECURITY_DEFAULTS,
          idempotencyKeyTtlSeconds: 2,
          factCacheTtlSeconds: 2,
          purgeIntervalMs: 300,
        },
      },
    });
    await registerWorkflow(
      t,
      simpleWorkflow('kept-briefly', [{ id: 'one', timeLimit: { hours: 1 } }], () => 'd'),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = () =>
    t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'kept-briefly', data: {} },
      headers: { 'idempotency-key': 'once-only' },
    });

  it('replays within the time to live; after the purge the key is free and a retry is a new submission', async () => {
    const first = await submit();
    expect(first.status).toBe(201);
    const replay = await submit();
    expect(replay.body.id).toBe(first.body.id);
    const [application] = await t.query<{ id: string }>('SELECT id FROM applications WHERE id = $1', [
      first.body.id,
    ]);
    // A cached fact, aged past its time to live, to see the same purge remove it.
    await t.query(
      `INSERT INTO fact_cache (application_id, name, url, value, fetched_at) VALUES ($1, 'registry', 'sha256:x', '{}', now())`,
      [application!.id],
    );
    await eventually(
      () =>
        t.query<{ keys: number; facts: number }>(
          `SELECT (SELECT count(*)::int FROM idempotency_keys) AS keys, (SELECT count(*)::int FROM fact_cache) AS facts`,
        ),
      ([row]) => row!.keys === 0 && row!.facts === 0,
      { timeoutMs: 15_000, everyMs: 300 },
    );
    const later = await submit();
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });
});

describe('an idempotency key past its time to live, not yet purged', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({
      config: {
        security: { ...SECURITY_DEFAULTS, idempotencyKeyTtlSeconds: 60, purgeIntervalMs: 3_600_000 },
      },
    });
    await registerWorkflow(
      t,
      simpleWorkflow('kept-a-minute', [{ id: 'one', timeLimit: { hours: 1 } }], () => 'd'),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (note: string) =>
    t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'kept-a-minute', data: { note } },
      headers: { 'idempotency-key': 'expired-then-reused' },
    });
  /** The key's row as the purge would find it once its time to live has passed. */
  const age = () => t.query(`UPDATE idempotency_keys SET created_at = created_at - interval '61 seconds'`);

  it('is a new request on retry, with the same body or another, and the new answer is replayed from then on', async () => {
    const first = await submit('a');
    expect(first.status).toBe(201);
    expect((await submit('a')).body.id).toBe(first.body.id);
    await age();
    const again = await submit('a');
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await submit('a')).body.id).toBe(again.body.id);
    // Within its time to live another body is a conflict; past it, the key is free for it.
    expect((await submit('b')).status).toBe(409);
    await age();
    const other = await submit('b');
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(again.body.id);
    const [count] = await t.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
    expect(count?.n).toBe(3);
  });

  it('is claimed by one of two retries sent together, and the other replays its answer', async () => {
    const applications = async () =>
      (await t.query<{ n: number }>('SELECT count(*)::int AS n FROM applications'))[0]!.n;
    await age();
    const first = await submit('c');
    expect(first.status).toBe(201);
    await age();
    const before = await applications();
    const [one, two] = await Promise.all([submit('c'), submit('c')]);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(one.body.id).toBe(two.body.id);
    expect(one.body.id).not.toBe(first.body.id);
    expect(await applications()).toBe(before + 1);
  });
});
