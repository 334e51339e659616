import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { join } from 'node:path';
import { ADMIN, applicant, FIXTURES, officer, TestApp } from './support/test-app.js';
import type { Caller, Reply } from './support/test-app.js';

/**
 * Generated hostile input at every endpoint of the API (an event stream only by ids that open none: one that opens
 * does not end). Whatever arrives: never a 5xx, never a stack trace or a driver message
 * in the answer, and nothing written unless the answer is a success. Runs are counted, not timed, and kept small
 * enough for the whole file to finish well within a minute.
 */
const RUNS = 30;
const ann = applicant('ann');
const fire = officer('fire-rescue');

const LEAKS =
  /\n\s+at |\.(ts|js):\d+|QueryFailedError|TypeError|ReferenceError|node_modules|SQLSTATE|duplicate key/;

const nasty = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\ud800',
  '..',
  '.',
  '%00',
  '%ED%A0%80',
  '%',
  '__proto__',
  'constructor',
  '2026-02-30T00:00:00.000Z',
  '9'.repeat(400),
  'x'.repeat(5000),
  '00000000-0000-0000-0000-000000000000',
  '<script>alert(1)</script>',
  "'; DROP TABLE applications; --",
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), nasty);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 8 }),
  nasty,
);
/** A body as raw text: usually JSON, sometimes not quite, sometimes with numbers JSON cannot hold. */
const rawBody = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: value.map((v) => (JSON.stringify(v) ?? '1').replace(/\d+/, '1e309')) },
  );
/** encodeURIComponent, except that a lone surrogate (which it cannot encode) goes as its raw UTF-8 bytes. */
const encode = (value: string) => {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
};
const segment = fc.oneof(text.map(encode), nasty, fc.uuid());
const query = fc
  .dictionary(
    fc.constantFrom(
      'status',
      'limit',
      'cursor',
      'version',
      'workflow',
      'overdue',
      'from',
      'to',
      'hours',
      'department',
      'claimed',
      'rulePending',
    ),
    text,
    {
      maxKeys: 3,
    },
  )
  .map((q) =>
    Object.entries(q)
      .map(([k, v]) => `${k}=${encode(v)}`)
      .join('&'),
  );
const callers: fc.Arbitrary<Caller | undefined> = fc.constantFrom(
  ADMIN,
  ann,
  fire,
  officer('market-regulation'),
  undefined,
);

describe('generated hostile input at every endpoint', () => {
  let t: TestApp;
  let applicationId: string;
  let taskId: string;

  async function counts(): Promise<string> {
    const rows = await t.query<{ n: string }>(
      `SELECT concat_ws(',', (SELECT count(*) FROM applications), (SELECT count(*) FROM tasks),
         (SELECT count(*) FROM history), (SELECT count(*) FROM workflow_versions),
         (SELECT count(*) FROM idempotency_keys), (SELECT string_agg(status || coalesce(decided_by, ''), '' ORDER BY id) FROM tasks),
         (SELECT string_agg(status, '' ORDER BY id) FROM applications), (SELECT count(*) FROM ratings),
         (SELECT count(*) FROM webhook_subscriptions), (SELECT count(*) FROM webhook_deliveries),
         (SELECT count(*) FROM disclosures)) AS n`,
    );
    return rows[0]!.n;
  }

  /** Sends one request and checks the three properties. */
  async function probe(method: string, path: string, as: Caller | undefined, body?: string): Promise<Reply> {
    const before = await counts();
    const reply = await t.request(method, path, { as, ...(body !== undefined ? { rawBody: body } : {}) });
    const shown = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    expect({ method, path, status: reply.status }).toEqual({ method, path, status: expect.any(Number) });
    if (reply.status >= 500) throw new Error(`${method} ${path} answered ${reply.status}: ${shown}`);
    if (LEAKS.test(shown ?? '')) throw new Error(`${method} ${path} leaked internals: ${shown}`);
    if (reply.status >= 300 && (await counts()) !== before) {
      throw new Error(`${method} ${path} answered ${reply.status} but wrote: ${before} -> ${await counts()}`);
    }
    return reply;
  }

  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: {
        workflow: 'shop-permit',
        data: { applicant: { name: 'Ann', idNumber: '11010119900307123X' }, address: '1 Long St', seats: 3 },
      },
    });
    expect(submitted.status).toBe(201);
    applicationId = submitted.body.id;
    const [task] = await t.query<{ id: string }>(
      `SELECT id FROM tasks WHERE application_id = $1 AND step = 'fire'`,
      [applicationId],
    );
    taskId = task!.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads: workflows, applications, tasks and calendars by any id and query', async () => {
    const paths = fc.oneof(
      fc.tuple(segment, query).map(([s, q]) => `/api/v1/workflows/${s}?${q}`),
      fc.tuple(segment, query).map(([s, q]) => `/api/v1/workflows/${s}/diagram?${q}`),
      query.map((q) => `/api/v1/applications?${q}`),
      fc
        .tuple(fc.oneof(segment, fc.constant('')), fc.constantFrom('', '/history'))
        .map(([s, tail]) => `/api/v1/applications/${s || applicationId}${tail}`),
      query.map((q) => `/api/v1/tasks?${q}`),
      segment.map((s) => `/api/v1/tasks/${s}`),
      fc.tuple(segment, query).map(([s, q]) => `/api/v1/calendars/${s}/due?${q}`),
    );
    await fc.assert(
      fc.asyncProperty(paths, callers, async (path, as) => {
        await probe('GET', path, as);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('writes: registrations and analyses of any document', async () => {
    const definitions = fc.oneof(
      json,
      fc.record(
        {
          key: text,
          name: text,
          form: json,
          steps: fc.array(fc.dictionary(text, json, { maxKeys: 6 }), { maxLength: 3 }),
          facts: json,
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/workflows', '/api/v1/workflows/analyze'),
        rawBody(definitions),
        callers,
        async (path, body, as) => {
          await probe('POST', path, as, body);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('writes: submissions, withdrawals and decisions with any body', async () => {
    const submission = fc.oneof(
      json,
      fc.record({ workflow: fc.oneof(text, fc.constant('shop-permit')), data: json }, { requiredKeys: [] }),
    );
    const decision = fc.oneof(
      json,
      fc.record(
        {
          outcome: fc.oneof(text, fc.constantFrom('approve', 'reject', 'return')),
          comment: text,
          produces: json,
          fields: fc.oneof(json, fc.array(text, { maxLength: 3 })),
        },
        { requiredKeys: [] },
      ),
    );
    const writes = fc.oneof(
      fc.tuple(fc.constant('/api/v1/applications'), rawBody(submission)),
      fc.tuple(
        segment.map((s) => `/api/v1/applications/${s}/withdraw`),
        rawBody(json),
      ),
      fc.tuple(
        fc.oneof(segment, fc.constant(taskId)).map((s) => `/api/v1/tasks/${s}/decision`),
        rawBody(decision),
      ),
    );
    await fc.assert(
      fc.asyncProperty(writes, callers, async ([path, body], as) => {
        await probe('POST', path, as, body);
      }),
      { numRuns: RUNS * 3 },
    );
  });
  it('reads: audit, disclosures, ratings, reports and webhooks by any id and query', async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        '/api/v1/audit/public-key',
        '/api/v1/audit/verify',
        '/api/v1/calendars',
        '/api/v1/webhooks',
      ),
      query.map((q) => `/api/v1/audit/checkpoints?${q}`),
      fc
        .tuple(fc.oneof(segment, fc.constant(applicationId)), query)
        .map(([s, q]) => `/api/v1/applications/${s}/disclosures?${q}`),
      query.map((q) => `/api/v1/disclosures/flows?${q}`),
      query.map((q) => `/api/v1/ratings?${q}`),
      fc.tuple(segment, query).map(([s, q]) => `/api/v1/reports/workflows/${s}?${q}`),
      fc.tuple(segment, query).map(([s, q]) => `/api/v1/webhooks/${s}/deliveries?${q}`),
      // A stream's id only: an application that exists would open a stream that does not end.
      segment.map((s) => `/api/v1/applications/${s}/events`),
    );
    await fc.assert(
      fc.asyncProperty(paths, callers, async (path, as) => {
        await probe('GET', path, as);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("writes: resubmissions, ratings, the officer's toolbox, webhooks, checkpoints and dashboard sessions with any body", async () => {
    const anApplication = fc.oneof(segment, fc.constant(applicationId));
    const aTask = fc.oneof(segment, fc.constant(taskId));
    const bodies = {
      resubmit: fc.oneof(json, fc.record({ data: json }, { requiredKeys: [] })),
      rating: fc.oneof(
        json,
        fc.record({ score: fc.oneof(json, fc.integer()), comment: text }, { requiredKeys: [] }),
      ),
      transfer: fc.oneof(json, fc.record({ officer: text, comment: text }, { requiredKeys: [] })),
      signers: fc.oneof(json, fc.record({ required: fc.oneof(json, fc.integer()) }, { requiredKeys: [] })),
      webhook: fc.oneof(
        json,
        fc.record(
          {
            url: fc.oneof(text, fc.webUrl()),
            events: fc.oneof(
              json,
              fc.array(fc.oneof(text, fc.constantFrom('*', 'submitted')), { maxLength: 3 }),
            ),
            workflow: text,
          },
          { requiredKeys: [] },
        ),
      ),
    };
    const writes = fc.oneof(
      fc.tuple(
        fc.constant('POST'),
        anApplication.map((s) => `/api/v1/applications/${s}/resubmit`),
        rawBody(bodies.resubmit),
      ),
      fc.tuple(
        fc.constant('POST'),
        anApplication.map((s) => `/api/v1/applications/${s}/rating`),
        rawBody(bodies.rating),
      ),
      fc.tuple(
        fc.constant('POST'),
        fc.tuple(aTask, fc.constantFrom('claim', 'release')).map(([s, act]) => `/api/v1/tasks/${s}/${act}`),
        rawBody(json),
      ),
      fc.tuple(
        fc.constant('POST'),
        aTask.map((s) => `/api/v1/tasks/${s}/transfer`),
        rawBody(bodies.transfer),
      ),
      fc.tuple(
        fc.constant('POST'),
        aTask.map((s) => `/api/v1/tasks/${s}/signers`),
        rawBody(bodies.signers),
      ),
      fc.tuple(fc.constant('POST'), fc.constant('/api/v1/webhooks'), rawBody(bodies.webhook)),
      fc.tuple(
        fc.constant('DELETE'),
        segment.map((s) => `/api/v1/webhooks/${s}`),
        fc.constant(undefined),
      ),
      fc.tuple(
        fc.constant('POST'),
        fc.tuple(segment, segment).map(([s, d]) => `/api/v1/webhooks/${s}/deliveries/${d}/redeliver`),
        rawBody(json),
      ),
      fc.tuple(
        fc.constant('POST'),
        fc.constantFrom('/api/v1/audit/checkpoints', '/api/v1/queue-dashboard/sessions'),
        rawBody(json),
      ),
    );
    await fc.assert(
      fc.asyncProperty(writes, callers, async ([method, path, body], as) => {
        await probe(method, path, as, body);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
