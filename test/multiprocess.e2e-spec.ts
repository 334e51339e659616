import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys } from '../bench/bench.util.js';
import { historyViolations, query, storedDecisions } from '../scripts/service-checks.js';
import { buildService, freePort, ServiceClient, ServiceProcess } from '../scripts/service-process.js';
import { eventually } from './support/eventually.js';
import { testServiceEnv } from './support/spawned-service.js';
import { createDatabase, JWT_SECRET } from './support/test-app.js';
import type { Caller } from './support/test-app.js';

/**
 * PROCESS_ROLE for real: two API processes (PROCESS_ROLE=api) and one worker (PROCESS_ROLE=worker) as child
 * processes on one database and one queue. Decisions race on the same tasks through both APIs, deadlines fall due
 * and only the worker acts on them; every event must be applied once.
 */
const APPLICATIONS = 12;
const ann: Caller = { role: 'applicant', sub: 'mp-ann' };
const admin: Caller = { role: 'admin', sub: 'mp-admin' };
const officer = (department: string, n: number): Caller => ({
  role: 'officer',
  department,
  sub: `${department}-${n}`,
});

const workflow = {
  key: 'multi-process',
  name: 'Two APIs, one worker',
  form: { type: 'object', properties: { note: { type: 'string' } } },
  steps: [
    { id: 'review', name: 'Review', department: 'mp-review', timeLimit: { hours: 1 } },
    { id: 'joint', name: 'Joint review', department: 'mp-joint', signoff: 2, timeLimit: { hours: 1 } },
    { id: 'clock', name: 'Deemed', department: 'mp-clock', timeLimit: { seconds: 2 }, onTimeout: 'approve' },
    { id: 'final', name: 'Final', department: 'mp-review', after: ['review'], timeLimit: { hours: 1 } },
  ],
};

const client = new ServiceClient(JWT_SECRET);

describe('two API processes and one worker on one database and one queue', () => {
  let build: ReturnType<typeof buildService>;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let processes: ServiceProcess[] = [];
  let api1: string;
  let api2: string;

  beforeAll(async () => {
    build = buildService();
    database = await createDatabase();
    const env = testServiceEnv(database, { LOG_LEVEL: 'log', SWEEP_INTERVAL_MS: '1000' });
    const [port1, port2] = [await freePort(), await freePort()];
    processes = [
      ServiceProcess.start('api-1', build.main, { ...env, PROCESS_ROLE: 'api', PORT: String(port1) }),
      ServiceProcess.start('api-2', build.main, { ...env, PROCESS_ROLE: 'api', PORT: String(port2) }),
      ServiceProcess.start('worker', build.main, { ...env, PROCESS_ROLE: 'worker', PORT: '0' }),
    ];
    // All three migrate the empty database at once: the advisory lock lets one do it.
    await Promise.all(processes.map((p) => p.ready(45_000)));
    [api1, api2] = [processes[0]!.baseUrl!, processes[1]!.baseUrl!];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (process.env.REDIS_URL && database) await deleteRedisKeys(process.env.REDIS_URL, database.name);
    await database?.drop();
    build?.remove();
  });

  it('applies every decision and every deadline exactly once, whichever process takes it', async () => {
    const registered = await client.call(api1, {
      method: 'POST',
      path: '/api/v1/workflows',
      as: admin,
      body: workflow,
    });
    expect(registered.status).toBe(201);
    const ids = await Promise.all(
      Array.from({ length: APPLICATIONS }, async (_, i) => {
        const reply = await client.call<{ id: string }>(i % 2 ? api2 : api1, {
          method: 'POST',
          path: '/api/v1/applications',
          as: ann,
          body: { workflow: workflow.key, data: { note: `application ${i}` } },
        });
        expect(reply.status).toBe(201);
        return reply.body!.id;
      }),
    );
    const taskOf = async (applicationId: string, step: string) =>
      (
        await eventually(
          () =>
            query<{ id: string }>(
              database.url,
              'SELECT id FROM tasks WHERE application_id = $1 AND step = $2',
              [applicationId, step],
            ),
          (rows) => rows.length === 1,
        )
      )[0]!.id;
    const decide = (base: string, taskId: string, as: Caller) =>
      client
        .call(base, {
          method: 'POST',
          path: `/api/v1/tasks/${taskId}/decision`,
          as,
          body: { outcome: 'approve' },
        })
        .then((r) => r.status);

    const races = await Promise.all(
      ids.map(async (id) => {
        const [review, joint] = [await taskOf(id, 'review'), await taskOf(id, 'joint')];
        // The same step decided by two officers through the two APIs at once: one wins, the other gets 409.
        const reviewRace = await Promise.all([
          decide(api1, review, officer('mp-review', 1)),
          decide(api2, review, officer('mp-review', 2)),
        ]);
        // Countersigning: two distinct officers through the two APIs at once both count.
        const jointRace = await Promise.all([
          decide(api2, joint, officer('mp-joint', 1)),
          decide(api1, joint, officer('mp-joint', 2)),
        ]);
        const final = await taskOf(id, 'final');
        const finalRace = await Promise.all([
          decide(api2, final, officer('mp-review', 1)),
          decide(api1, final, officer('mp-review', 2)),
        ]);
        return { review: reviewRace.sort(), joint: jointRace, final: finalRace.sort() };
      }),
    );
    for (const race of races)
      expect(race).toEqual({ review: [200, 409], joint: [200, 200], final: [200, 409] });

    // The deemed approvals come from the worker alone; each application ends approved.
    const statuses = await eventually(
      () => query<{ status: string }>(database.url, 'SELECT status FROM applications'),
      (rows) => rows.length === APPLICATIONS && rows.every((r) => r.status === 'approved'),
      { timeoutMs: 30_000 },
    );
    expect(statuses).toHaveLength(APPLICATIONS);

    expect(await historyViolations(database.url)).toEqual([]);
    const deemed = await query<{ n: number; by: string }>(
      database.url,
      `SELECT count(h.*)::int AS n, min(t.decided_by) AS by FROM tasks t
         LEFT JOIN history h ON h.application_id = t.application_id AND h.step = t.step AND h.type = 'deemed_approved'
        WHERE t.step = 'clock' GROUP BY t.id`,
    );
    expect(deemed).toEqual(Array.from({ length: APPLICATIONS }, () => ({ n: 1, by: 'timeout' })));
    // Each won decision is stored once; each lost one not at all.
    const stored = await storedDecisions(database.url);
    const perTask = new Map<string, number>();
    for (const [key, n] of stored) {
      expect(n).toBe(1);
      const task = key.split('|')[0]!;
      perTask.set(task, (perTask.get(task) ?? 0) + n);
    }
    const decided = await query<{ id: string; step: string }>(
      database.url,
      `SELECT id, step FROM tasks WHERE step IN ('review', 'joint', 'final')`,
    );
    for (const task of decided)
      expect([task.step, perTask.get(task.id)]).toEqual([task.step, task.step === 'joint' ? 2 : 1]);
    for (const id of ids) {
      const history = await client.call<{ chain: { valid: boolean } }>(id.charCodeAt(0) % 2 ? api1 : api2, {
        method: 'GET',
        path: `/api/v1/applications/${id}/history`,
        as: ann,
      });
      expect(history.body?.chain.valid).toBe(true);
    }
    // Every process is still up: nothing crashed under the races.
    expect(processes.map((p) => [p.name, p.running])).toEqual([
      ['api-1', true],
      ['api-2', true],
      ['worker', true],
    ]);
  }, 60_000);
});
