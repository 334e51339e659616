import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { eventually } from './support/eventually.js';
import {
  expectProblem,
  inboxTask,
  jobCompleted,
  paths,
  registerNew,
  simpleWorkflow,
  submitApplication,
} from './support/helpers.js';
import { Receiver } from './support/receiver.js';
import { behindLock } from './support/row-lock.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';
import { QueueService } from '../src/queue/queue.service.js';
import {
  WEBHOOK_QUEUE,
  WebhookDispatchService,
  wakeQuery,
} from '../src/webhooks/webhook-dispatch.service.js';
import { deliveryJobId, pairLockKey } from '../src/webhooks/webhook-delivery.util.js';

const relay = simpleWorkflow(
  'hook-relay',
  [
    { id: 'check', timeLimit: { hours: 24 } },
    { id: 'issue', after: ['check'], timeLimit: { hours: 24 } },
  ],
  (id) => `hook-${id}`,
);
const other = simpleWorkflow('hook-other', [{ id: 'only', timeLimit: { hours: 24 } }], () => 'hook-other');

describe('webhooks', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    // A short sweep, so the test of a receiver that comes back after the queue lost its jobs is quick.
    t = await TestApp.start({ config: { webhookAllowedHosts: ['127.0.0.1'], sweepIntervalMs: 1000 } });
    await registerNew(t, [relay, other]);
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const subscribe = async (body: Record<string, unknown>) => {
    const reply = await t.request('POST', '/api/v1/webhooks', { as: ADMIN, body });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; secret: string; url: string; events: string[] };
  };

  const approve = async (department: string, applicationId: string) => {
    const task = await inboxTask(t, department, applicationId);
    const reply = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer(department),
      body: { outcome: 'approve' },
    });
    expect(reply.status).toBe(200);
  };

  const log = async (id: string) =>
    (await t.request('GET', `/api/v1/webhooks/${id}/deliveries?limit=100`, { as: ADMIN })).body.items as {
      id: string;
      applicationId: string;
      seq: number;
      status: string;
      createdAt: string;
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
    }[];

  /** A subscription to the submissions of `hook-other` at `path`, and an application submitted after it. */
  const subscribedSubmission = async (path: string) => {
    const hook = await subscribe({
      url: `${receiver.url}${path}`,
      events: ['submitted'],
      workflow: 'hook-other',
    });
    return { hook, applicationId: await submitApplication(t, 'hook-other') };
  };

  const requestsReach = (path: string, count: number) =>
    eventually(
      () => Promise.resolve(receiver.at(path).length),
      (n) => n === count,
    );

  const deliveredOnly = async (hookId: string) =>
    (
      await eventually(
        () => log(hookId),
        (items) => items[0]?.status === 'delivered',
      )
    )[0];

  /** Ends a delivery's lease, as time does to the lease of a process that crashed. */
  const expireLease = (id: string) =>
    t.query(`UPDATE webhook_deliveries SET leased_until = now() - interval '1 second' WHERE id = $1`, [id]);

  it('delivers every event signed, retries a failing receiver, and keeps each application in order', async () => {
    // The receiver fails its first request: that delivery is retried, and nothing later overtakes it.
    receiver.answer = (path, count) => (path === '/ordered' && count === 0 ? 500 : 204);
    const hook = await subscribe({ url: `${receiver.url}/ordered`, events: ['*'], workflow: 'hook-relay' });
    expect(hook.secret).toMatch(/^whsec_/);

    const first = await submitApplication(t, 'hook-relay');
    const second = await submitApplication(t, 'hook-relay');
    await approve('hook-check', first);
    await approve('hook-check', second);
    await approve('hook-issue', first);
    // An application of another workflow is not this subscription's business.
    await submitApplication(t, 'hook-other');

    const histories = new Map<string, number[]>();
    for (const id of [first, second]) {
      const events = (await t.request('GET', `/api/v1/applications/${id}/history`, { as: applicant('ann') }))
        .body.events as { seq: number }[];
      histories.set(
        id,
        events.map((e) => e.seq),
      );
    }
    const expected = [...histories.values()].reduce((n, seqs) => n + seqs.length, 0);
    const delivered = await eventually(
      () => log(hook.id),
      (items) => items.length >= expected && items.every((d) => d.status === 'delivered'),
    );
    expect(delivered).toHaveLength(expected);

    const verifier = new Webhook(hook.secret);
    const requests = receiver.at('/ordered');
    const accepted = requests.filter((r) => r.answered === 204);
    for (const request of requests) {
      expect(verifier.verify(request.body, request.headers as Record<string, string>)).toEqual(
        JSON.parse(request.body),
      );
    }
    // Tampering is caught by the same verifier.
    const sample = requests[0]!;
    expect(() =>
      verifier.verify(sample.body.replace('"seq":', '"seq": '), sample.headers as Record<string, string>),
    ).toThrow();

    // The failed request was sent again under the same webhook-id, first.
    expect(requests[0]!.answered).toBe(500);
    expect(accepted.some((r) => r.headers['webhook-id'] === requests[0]!.headers['webhook-id'])).toBe(true);
    const retried = delivered.find((d) => d.id === requests[0]!.headers['webhook-id'])!;
    expect(retried).toEqual(expect.objectContaining({ attempts: 2, lastStatus: 204, status: 'delivered' }));

    // Per application, the accepted deliveries are exactly its history, in order.
    for (const [id, seqs] of histories) {
      const got = accepted.map((r) => JSON.parse(r.body)).filter((b) => b.data.applicationId === id);
      expect(got.map((b) => b.data.seq)).toEqual(seqs);
      expect(got[0]).toEqual(
        expect.objectContaining({
          type: 'submitted',
          data: expect.objectContaining({ workflow: { key: 'hook-relay', version: 1 }, seq: 1 }),
        }),
      );
    }
  });

  it('delivers only the subscribed event types, and redelivers on request', async () => {
    receiver.answer = () => 204;
    const hook = await subscribe({ url: `${receiver.url}/approvals`, events: ['application_approved'] });
    const id = await submitApplication(t, 'hook-other');
    await approve('hook-other', id);
    const [delivery] = await eventually(
      () => log(hook.id),
      (items) => items.length === 1 && items[0]!.status === 'delivered',
    );
    expect(receiver.at('/approvals').map((r) => JSON.parse(r.body).type)).toEqual(['application_approved']);

    const redeliver = await t.request(
      'POST',
      `/api/v1/webhooks/${hook.id}/deliveries/${delivery!.id}/redeliver`,
      { as: ADMIN },
    );
    expect(redeliver.status).toBe(202);
    await eventually(
      () => Promise.resolve(receiver.at('/approvals')),
      (requests) => requests.length === 2,
    );
    const [once, again] = receiver.at('/approvals');
    expect(again!.headers['webhook-id']).toBe(once!.headers['webhook-id']);
    expect(again!.body).toBe(once!.body);
  });

  it('answers 404, not 500, to a redelivery whose subscription is deleted while it waits', async () => {
    receiver.answer = () => 204;
    const { hook } = await subscribedSubmission('/deleted-meanwhile');
    const delivery = await deliveredOnly(hook.id);
    // The redelivery has found the delivery and waits to mark it pending when the subscription goes, deliveries
    // and all.
    const [reply] = await behindLock(t.databaseUrl, {
      take: (holder) =>
        holder.query('SELECT id FROM webhook_deliveries WHERE id = $1 FOR UPDATE', [delivery!.id]),
      send: () => [
        t.request('POST', `/api/v1/webhooks/${hook.id}/deliveries/${delivery!.id}/redeliver`, { as: ADMIN }),
      ],
      beforeRelease: (holder) => holder.query('DELETE FROM webhook_subscriptions WHERE id = $1', [hook.id]),
    });
    expectProblem(reply!, 404);
    expect(await t.query('SELECT id FROM webhook_deliveries WHERE id = $1', [delivery!.id])).toEqual([]);
  });

  it('does not follow redirects: a 3xx is a failed attempt, retried later', async () => {
    receiver.answer = (path, _count, response) => {
      if (path !== '/moved') return 204;
      response.setHeader('location', `${receiver.url}/elsewhere`);
      return 302;
    };
    const hook = await subscribe({
      url: `${receiver.url}/moved`,
      events: ['submitted'],
      workflow: 'hook-other',
    });
    await submitApplication(t, 'hook-other');
    const [delivery] = await eventually(
      () => log(hook.id),
      (items) => items.length === 1 && items[0]!.attempts >= 2,
    );
    expect(delivery).toEqual(expect.objectContaining({ status: 'pending', lastStatus: 302 }));
    expect(receiver.at('/elsewhere')).toHaveLength(0);

    const removed = await t.request('DELETE', `/api/v1/webhooks/${hook.id}`, { as: ADMIN });
    expect(removed.status).toBe(204);
    const list = (await t.request('GET', '/api/v1/webhooks', { as: ADMIN })).body.items as { id: string }[];
    expect(list.map((h) => h.id)).not.toContain(hook.id);
    expectProblem(await t.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { as: ADMIN }), 404);
  });

  it('holds no connection or lock while a receiver is silent, gives up after the time-out, and retries', async () => {
    receiver.answer = (path, count) => (path === '/silent' && count === 0 ? 0 : 204);
    const { hook, applicationId } = await subscribedSubmission('/silent');
    await requestsReach('/silent', 1);
    // The attempt is waiting for its answer now, and holds no transaction: the pair's lock, which is taken only
    // inside one, is free. (Before, it was held for as long as the receiver took.)
    const held = await t.query<{ locks: number }>(
      `SELECT count(*)::int AS locks FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 1
          AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [pairLockKey(hook.id, applicationId)],
    );
    expect(held).toEqual([{ locks: 0 }]);

    const [timedOut] = await eventually(
      () => log(hook.id),
      (items) => items.length === 1 && items[0]!.attempts >= 1,
    );
    expect(timedOut).toEqual(
      expect.objectContaining({ attempts: 1, lastStatus: null, lastError: expect.stringMatching(/time/i) }),
    );
    expect(await deliveredOnly(hook.id)).toEqual(expect.objectContaining({ attempts: 2, lastStatus: 204 }));
    expect(receiver.at('/silent')).toHaveLength(2);
  });

  it('posts nothing of a pair while its delivery is leased, and delivers once the lease of a crashed attempt runs out', async () => {
    let up = false;
    receiver.answer = (path) => (path !== '/leased' || up ? 204 : 500);
    const { hook, applicationId } = await subscribedSubmission('/leased');
    await eventually(
      () => log(hook.id),
      (items) => items[0]?.attempts === 1,
    );
    // As a process that crashed while posting would leave it; taken when no attempt is in flight, which the queue's
    // retries of the failing receiver may be at any moment.
    const leased = await eventually(
      () =>
        t.query<{ id: string }>(
          `UPDATE webhook_deliveries SET leased_until = now() + interval '1 hour'
            WHERE subscription_id = $1 AND status = 'pending' AND leased_until IS NULL RETURNING id`,
          [hook.id],
        ),
      (rows) => rows.length === 1,
      { everyMs: 20 },
    );
    const id = leased[0]!.id;
    up = true;
    const dispatch = t.app.get(WebhookDispatchService);
    const posted = receiver.at('/leased').length;
    await dispatch.deliver({ subscriptionId: hook.id, applicationId });
    expect(receiver.at('/leased')).toHaveLength(posted);
    expect((await log(hook.id))[0]).toEqual(expect.objectContaining({ id, status: 'pending' }));

    await expireLease(id);
    expect(await deliveredOnly(hook.id)).toEqual(expect.objectContaining({ id, lastStatus: 204 }));
  });

  it("records nothing for an attempt that outlived its lease: the pair is the next holder's", async () => {
    receiver.answer = (path, count) => (path === '/late' && count === 0 ? 0 : 204);
    const { hook } = await subscribedSubmission('/late');
    await requestsReach('/late', 1);
    const id = (await log(hook.id))[0]!.id;
    // The attempt's lease ran out while it waited (a stalled process) and another process leased the delivery.
    const taken = await t.query(
      `UPDATE webhook_deliveries SET leased_until = now() + interval '1 hour'
        WHERE id = $1 AND leased_until IS NOT NULL RETURNING id`,
      [id],
    );
    expect(taken).toHaveLength(1);
    receiver.release(204);
    await jobCompleted(t, WEBHOOK_QUEUE, deliveryJobId({ id, attempts: 0, leasedUntil: null }));
    expect((await log(hook.id))[0]).toEqual(expect.objectContaining({ id, status: 'pending', attempts: 0 }));

    // The new holder's lease runs out in turn (it crashed): the sweep sends the delivery again, and it counts.
    await expireLease(id);
    expect(await deliveredOnly(hook.id)).toEqual(
      expect.objectContaining({ id, attempts: 1, lastStatus: 204 }),
    );
    expect(receiver.at('/late')).toHaveLength(2);
  });

  it('loses nothing while the receiver is down, even when the queue loses its jobs: the outbox is the truth', async () => {
    const gone = await Receiver.start();
    const port = Number(new URL(gone.url).port);
    await gone.close();
    const hook = await subscribe({ url: `${gone.url}/back`, events: ['*'], workflow: 'hook-other' });
    const id = await submitApplication(t, 'hook-other');
    await approve('hook-other', id);
    const history = (await t.request('GET', `/api/v1/applications/${id}/history`, { as: applicant('ann') }))
      .body.events as { seq: number }[];
    expect(history.at(-1)).toEqual(expect.objectContaining({ type: 'application_approved' }));
    const failing = await eventually(
      () => log(hook.id),
      (items) => items.length === history.length && items.some((d) => d.attempts >= 1),
    );
    expect(failing.every((d) => d.status === 'pending')).toBe(true);
    // Every job of the queue is gone (a flushed Redis, a lost queue table): only the outbox rows remain.
    await t.app.get(QueueService).queue(WEBHOOK_QUEUE).obliterate({ force: true });

    const back = await Receiver.start(port);
    try {
      const delivered = await eventually(
        () => log(hook.id),
        (items) => items.every((d) => d.status === 'delivered'),
      );
      expect(delivered).toHaveLength(history.length);
      const seqs = back.at('/back').map((r) => JSON.parse(r.body).data.seq as number);
      expect(seqs).toEqual(history.map((h) => h.seq));
    } finally {
      await back.close();
    }
  });

  it('pages the delivery log without skipping or repeating a delivery, however many share one time', async () => {
    receiver.answer = () => 204;
    const hook = await subscribe({ url: `${receiver.url}/pages`, events: ['*'], workflow: 'hook-relay' });
    await submitApplication(t, 'hook-relay');
    await submitApplication(t, 'hook-relay');
    const whole = await log(hook.id);
    // A submission's history entries are written in one transaction: their deliveries share its time.
    expect(new Set(whole.map((d) => d.createdAt)).size).toBeLessThan(whole.length);
    for (const limit of [1, 2, 3]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page = await t.request('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=${limit}${query}`, {
          as: ADMIN,
        });
        expect(page.status).toBe(200);
        ids.push(...(page.body.items as { id: string }[]).map((d) => d.id));
        cursor = page.body.nextCursor as string | null;
      } while (cursor !== null);
      expect(ids).toEqual(whole.map((d) => d.id));
    }
    expect((await t.request('DELETE', `/api/v1/webhooks/${hook.id}`, { as: ADMIN })).status).toBe(204);
  });

  it("wakes an event's application from its own pending deliveries, not from a receiver's backlog", async () => {
    const hook = await subscribe({ url: `${receiver.url}/backlog`, events: ['*'], workflow: 'hook-other' });
    try {
      // The backlog of a receiver that is down, due again tomorrow (so no sweep meanwhile posts it).
      await t.query(
        `INSERT INTO webhook_deliveries (subscription_id, application_id, seq, event_type, next_attempt_at)
         SELECT $1, gen_random_uuid(), n % 3 + 1, 'submitted', now() + interval '1 day'
           FROM generate_series(1, 5000) n`,
        [hook.id],
      );
      const mine = (await t.query<{ id: string }>('SELECT gen_random_uuid() AS id'))[0]!.id;
      await t.query(
        `INSERT INTO webhook_deliveries (subscription_id, application_id, seq, event_type, next_attempt_at)
         VALUES ($1, $2, 1, 'submitted', now()), ($1, $2, 2, 'step_opened', now())`,
        [hook.id, mine],
      );
      await t.query('ANALYZE webhook_deliveries');
      type PlanNode = { [key: string]: unknown; Plans?: PlanNode[] };
      const explained = await t.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${wakeQuery(true)}`,
        [500, mine],
      );
      const plan = explained[0]!['QUERY PLAN'][0]!.Plan;
      const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
      const count = (node: PlanNode, key: string) =>
        Number(node[key] ?? 0) * Number(node['Actual Loops'] ?? 1);
      const scans = nodes(plan).filter((node) => node['Relation Name'] === 'webhook_deliveries');
      expect(scans.length).toBeGreaterThan(0);
      // Every row the scan looked at: those it kept, and those its filter or recheck threw away.
      const read = scans.reduce(
        (sum, node) =>
          sum +
          count(node, 'Actual Rows') +
          count(node, 'Rows Removed by Filter') +
          count(node, 'Rows Removed by Index Recheck'),
        0,
      );
      expect(read).toBe(2);
      // PostgreSQL 18 can skip-scan an index led by the subscription to the same two rows, while 15 cannot: the
      // index itself must start with the application.
      const [index] = await t.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE indexname = 'webhook_deliveries_pending'`,
      );
      expect(index?.indexdef).toContain('(application_id, subscription_id, seq)');
    } finally {
      expect((await t.request('DELETE', `/api/v1/webhooks/${hook.id}`, { as: ADMIN })).status).toBe(204);
    }
  });

  it('refuses hosts off WEBHOOK_ALLOWED_HOSTS, bad events, and callers who are not admins', async () => {
    const offList = await t.request('POST', '/api/v1/webhooks', {
      as: ADMIN,
      body: { url: 'https://portal.example/hook', events: ['*'] },
    });
    expectProblem(offList, 400);
    expect(paths(offList)).toEqual(['$.url']);
    const badEvents = await t.request('POST', '/api/v1/webhooks', {
      as: ADMIN,
      body: { url: `${receiver.url}/x`, events: [] },
    });
    expectProblem(badEvents, 400);
    // Every problem of the body in one answer, the URL's shape among them.
    for (const [body, problems] of [
      [{ url: 'not a url', events: [] }, ['$.url', '$.events']],
      [{ url: 'ftp://portal.example/hook', events: ['*', 'step_opened'] }, ['$.url', '$.events']],
      [{ url: 'https://user:secret@portal.example/hook', events: ['*'] }, ['$.url']],
    ] as const) {
      const reply = await t.request('POST', '/api/v1/webhooks', { as: ADMIN, body });
      expectProblem(reply, 400);
      expect([...new Set(paths(reply))].sort()).toEqual([...problems].sort());
    }
    const misspelt = await t.request('POST', '/api/v1/webhooks', {
      as: ADMIN,
      body: {
        url: `${receiver.url}/x`,
        events: ['application_approved', 'application_aproved', 'step_open'],
      },
    });
    expectProblem(misspelt, 400);
    expect(paths(misspelt)).toEqual(['$.events']);
    const named = (misspelt.body.errors as { path: string; message: string }[])[0]!.message;
    expect(named).toContain('"application_aproved"');
    expect(named).toContain('"step_open"');
    expect(named).not.toContain('"application_approved"');
    const consequences = await t.request('POST', '/api/v1/webhooks', {
      as: ADMIN,
      body: {
        url: `${receiver.url}/x`,
        events: ['step_returned', 'application_correction_requested', 'claimed'],
      },
    });
    expect(consequences.status).toBe(201);
    const asOfficer = await t.request('POST', '/api/v1/webhooks', {
      as: officer('hook-check'),
      body: { url: `${receiver.url}/x`, events: ['*'] },
    });
    expectProblem(asOfficer, 403);
    const list = await t.request('GET', '/api/v1/webhooks', { as: ADMIN });
    expect(list.body.items.every((h: Record<string, unknown>) => !('secret' in h))).toBe(true);
  });
});
