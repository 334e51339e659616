import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CrashRig } from '../scripts/crash-test.js';

/**
 * scripts/crash-test.ts (npm run crash-test) under Jest: the service as a child process on an embedded PostgreSQL
 * the test owns, with the queue backend REDIS_URL selects. Each scenario disturbs it under load and then checks the
 * stored history; a scenario passes when it found no broken invariant.
 */
describe('crashes and restarts under load', () => {
  let rig: CrashRig;

  beforeAll(async () => {
    rig = await CrashRig.start();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('keeps every answered decision, applies nothing twice and acts on every deadline after a kill -9 and restart', async () => {
    const result = await rig.run('kill');
    expect(result.problems).toEqual([]);
    expect(result.observed.restartedAs).toEqual(expect.any(Number));
  }, 60_000);

  it('acts on every deadline once after the queue store is emptied under load', async () => {
    const result = await rig.run('flush');
    expect(result.problems).toEqual([]);
    expect(result.observed.deemedApprovals).toBe(result.applications);
  }, 60_000);

  it('stays up through a PostgreSQL restart, reports the database down on /health, and recovers by itself', async () => {
    const result = await rig.run('postgres');
    expect(result.problems).toEqual([]);
    expect(result.observed.healthWhileDown).toMatchObject({ status: 503, body: { database: 'down' } });
    expect(result.observed.samePid).toBe(true);
  }, 60_000);
});
