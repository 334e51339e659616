import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { paths } from '../src/api-client/openapi.js';
import { eventually } from './support/eventually.js';
import { OpenApiValidator } from './support/openapi-validator.js';
import { Receiver } from './support/receiver.js';
import { parseSse, SseClient } from './support/sse.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';
import type { Caller } from './support/test-app.js';

const ann = applicant('ann');
const market = officer('market', 'mia');
const marketColleague = officer('market', 'max');
const fire = officer('fire', 'fay');
const fireColleague = officer('fire', 'finn');

const PERMIT = {
  key: 'walk-permit',
  name: 'Shop permit (API walk)',
  form: {
    type: 'object',
    required: ['name', 'address'],
    properties: { name: { type: 'string' }, address: { type: 'string', minLength: 3 } },
  },
  steps: [
    { id: 'licence', name: 'Licence', department: 'market', fields: ['name'], timeLimit: { workingDays: 3 } },
    { id: 'fire', name: 'Fire safety', department: 'fire', fields: ['address'], timeLimit: { hours: 48 } },
  ],
};

/**
 * A whole application walked through the typed client generated from the OpenAPI document (src/api-client), with
 * every answer checked against the document the service serves: an undocumented status, media type or field fails
 * the call where it happens, so the document cannot drift from what the service does.
 */
describe('the API walked through its generated client', () => {
  let t: TestApp;
  let receiver: Receiver;
  let validator: OpenApiValidator;
  const clients = new Map<string, Client<paths>>();

  /** A typed client for a caller (anonymous when none), checking every answer against the document. */
  async function as(caller?: Caller): Promise<Client<paths>> {
    const key = caller ? `${caller.role}:${caller.sub}` : 'anonymous';
    let client = clients.get(key);
    if (!client) {
      client = createClient<paths>({
        baseUrl: t.baseUrl,
        headers: caller ? { authorization: `Bearer ${await t.token(caller)}` } : {},
      });
      client.use(validator.middleware());
      clients.set(key, client);
    }
    return client;
  }

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await TestApp.start();
    validator = await OpenApiValidator.load(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('registers a workflow, submits, decides with a return for correction, and reports, as documented', async () => {
    // Operations: the probes, metrics and the public key answer without a caller.
    const anonymous = await as();
    expect((await anonymous.GET('/health')).data?.status).toBe('ok');
    expect((await anonymous.GET('/health/live')).data?.status).toBe('ok');
    expect((await anonymous.GET('/health/ready')).data?.checks.migrations).toBe('applied');
    expect((await anonymous.GET('/metrics', { parseAs: 'text' })).data).toContain('# HELP');
    expect((await anonymous.GET('/api/v1/audit/public-key')).data?.algorithm).toBe('Ed25519');
    expect((await anonymous.GET('/api/v1/tasks')).response.status).toBe(401);

    // The administrator checks, registers and reads the workflow.
    const admin = await as(ADMIN);
    const invalid = await admin.POST('/api/v1/workflows/analyze', { body: { ...PERMIT, steps: [] } });
    expect(invalid.data?.valid).toBe(false);
    const analysis = await admin.POST('/api/v1/workflows/analyze', { body: PERMIT });
    expect(analysis.data?.analysis?.criticalPath).toEqual(['licence']);
    const registered = await admin.POST('/api/v1/workflows', { body: PERMIT });
    expect([registered.response.status, registered.data?.version]).toEqual([201, 1]);
    expect((await admin.POST('/api/v1/workflows', { body: PERMIT })).response.status).toBe(200);
    expect((await admin.GET('/api/v1/workflows')).data?.map((w) => w.key)).toContain(PERMIT.key);
    const version = await admin.GET('/api/v1/workflows/{key}', {
      params: { path: { key: PERMIT.key }, query: { version: 1 } },
    });
    expect(version.data?.definition.steps).toHaveLength(2);
    const diagram = await admin.GET('/api/v1/workflows/{key}/diagram', {
      params: { path: { key: PERMIT.key } },
      parseAs: 'text',
    });
    expect(diagram.data).toContain('licence');
    const calendars = (await admin.GET('/api/v1/calendars')).data!;
    expect(calendars.length).toBeGreaterThan(0);
    const due = await admin.GET('/api/v1/calendars/{name}/due', {
      params: {
        path: { name: calendars[0]!.name },
        query: { from: '2026-09-30T10:00:00+08:00', hours: '4' },
      },
    });
    expect(due.data?.dueAt).toBeDefined();
    const webhook = await admin.POST('/api/v1/webhooks', {
      body: { url: `${receiver.url}/hooks`, events: ['*'], workflow: PERMIT.key },
    });
    const webhookId = webhook.data!.id;
    expect((await admin.GET('/api/v1/webhooks')).data?.items.map((w) => w.id)).toContain(webhookId);
    expect((await admin.POST('/api/v1/queue-dashboard/sessions')).response.status).toBe(201);

    // The applicant submits (a retry with the same key answers the same), lists and polls with the ETag.
    const applicantClient = await as(ann);
    const submission = {
      body: { workflow: PERMIT.key, data: { name: 'Ann’s shop', address: '1 Mai' } },
      headers: { 'idempotency-key': 'walk-1' },
    };
    const submitted = await applicantClient.POST('/api/v1/applications', submission);
    expect(submitted.response.status).toBe(201);
    const id = submitted.data!.id;
    expect((await applicantClient.POST('/api/v1/applications', submission)).data?.id).toBe(id);
    expect((await applicantClient.GET('/api/v1/applications')).data?.items.map((a) => a.id)).toContain(id);
    const viewed = await applicantClient.GET('/api/v1/applications/{id}', { params: { path: { id } } });
    const etag = viewed.response.headers.get('etag')!;
    const unchanged = await applicantClient.GET('/api/v1/applications/{id}', {
      params: { path: { id }, header: { 'If-None-Match': etag } as never },
      parseAs: 'text',
    });
    expect(unchanged.response.status).toBe(304);

    // Market: the inbox, the task, a claim released, then transferred to a colleague, who approves.
    const marketClient = await as(market);
    const inbox = await marketClient.GET('/api/v1/tasks');
    const licence = inbox.data!.items.find((task) => task.applicationId === id)!;
    const taskPath = { params: { path: { id: licence.id } } };
    expect((await marketClient.GET('/api/v1/tasks/{id}', taskPath)).data?.data).toEqual({
      name: 'Ann’s shop',
    });
    expect((await marketClient.POST('/api/v1/tasks/{id}/claim', taskPath)).data?.claimedBy).toBe(market.sub);
    expect((await marketClient.POST('/api/v1/tasks/{id}/release', taskPath)).data?.claimedBy).toBeNull();
    const transferred = await marketClient.POST('/api/v1/tasks/{id}/transfer', {
      ...taskPath,
      body: { officer: marketColleague.sub, comment: 'Yours' },
    });
    expect(transferred.data?.claimedBy).toBe(marketColleague.sub);
    const approved = await (
      await as(marketColleague)
    ).POST('/api/v1/tasks/{id}/decision', {
      ...taskPath,
      body: { outcome: 'approve' },
    });
    expect([approved.response.status, approved.data?.status]).toEqual([200, 'approved']);

    // Fire returns it for correction; the applicant corrects the address and resubmits.
    const fireClient = await as(fire);
    const fireTask = (await fireClient.GET('/api/v1/tasks')).data!.items.find(
      (task) => task.applicationId === id,
    )!;
    const returned = await fireClient.POST('/api/v1/tasks/{id}/decision', {
      params: { path: { id: fireTask.id } },
      body: { outcome: 'return', comment: 'Which street?', fields: ['address'] },
    });
    expect(returned.data?.status).toBe('returned');
    const resubmitted = await applicantClient.POST('/api/v1/applications/{id}/resubmit', {
      params: { path: { id } },
      body: { data: { address: '1 Main Street' } },
    });
    expect(resubmitted.response.status).toBe(200);

    // The reopened fire task needs two signatures (加签), then both fire officers approve.
    const reopened = (await eventually(
      async () =>
        (await fireClient.GET('/api/v1/tasks')).data!.items.find(
          (task) => task.applicationId === id && task.status === 'open',
        ),
      (task) => task !== undefined,
    ))!;
    const reopenedPath = { params: { path: { id: reopened.id } } };
    expect(
      (await fireClient.POST('/api/v1/tasks/{id}/signers', { ...reopenedPath, body: { required: 2 } })).data
        ?.signoffRequired,
    ).toBe(2);
    await fireClient.POST('/api/v1/tasks/{id}/decision', { ...reopenedPath, body: { outcome: 'approve' } });
    await (
      await as(fireColleague)
    ).POST('/api/v1/tasks/{id}/decision', {
      ...reopenedPath,
      body: { outcome: 'approve' },
    });
    const decided = await eventually(
      async () =>
        (await applicantClient.GET('/api/v1/applications/{id}', { params: { path: { id } } })).data!,
      (view) => view.status === 'approved',
    );
    expect(decided.steps.map((s) => s.status)).toEqual(['approved', 'approved']);

    // The history, and its live stream: closed once decided, every event's data as documented.
    const history = (
      await applicantClient.GET('/api/v1/applications/{id}/history', { params: { path: { id } } })
    ).data!;
    expect(history.events.at(-1)?.type).toBe('application_approved');
    const stream = await applicantClient.GET('/api/v1/applications/{id}/events', {
      params: { path: { id } },
      parseAs: 'text',
    });
    const events = parseSse(stream.data as string).filter((m) => m.event === 'message');
    expect(events.map((e) => e.data.seq)).toEqual(history.events.map((e) => e.seq));
    // Every event, `end` included, by the schema the document names for its name.
    const everyEvent = parseSse(stream.data as string);
    expect(everyEvent.at(-1)?.event).toBe('end');
    expect(
      everyEvent.flatMap((e) =>
        validator.eventData('/api/v1/applications/{id}/events', 'get', e.event)(e.data),
      ),
    ).toEqual([]);
    const seenAll = await applicantClient.GET('/api/v1/applications/{id}/events', {
      params: { path: { id }, header: { 'Last-Event-ID': String(history.events.at(-1)!.seq) } as never },
      parseAs: 'text',
    });
    expect(seenAll.response.status).toBe(204);
    const inboxStream = await fireClient.GET('/api/v1/tasks/events', { parseAs: 'stream' });
    expect(inboxStream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await inboxStream.response.body?.cancel();

    // Who was shown the application's data (the officers' task views), and the flows between departments.
    const disclosures = await applicantClient.GET('/api/v1/applications/{id}/disclosures', {
      params: { path: { id } },
    });
    expect(disclosures.data?.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'task-view', department: 'market', fields: ['name'] }),
        expect.objectContaining({ kind: 'task-view', department: 'fire', fields: ['address'] }),
      ]),
    );
    const flows = (await admin.GET('/api/v1/disclosures/flows')).data!;
    expect(flows.items.map((flow) => `${flow.source} → ${flow.recipient} ${flow.kind}`)).toEqual(
      expect.arrayContaining(['applicant → fire task-view', 'applicant → market task-view']),
    );

    // The applicant rates the decided application; the administrator audits and reports.
    const rated = await applicantClient.POST('/api/v1/applications/{id}/rating', {
      params: { path: { id } },
      body: { score: 5, comment: 'Quick' },
    });
    expect(rated.response.status).toBe(201);
    expect((await admin.GET('/api/v1/ratings')).data?.overall.count).toBe(1);
    const checkpoint = await admin.POST('/api/v1/audit/checkpoints');
    expect(checkpoint.response.status).toBe(201);
    expect((await admin.GET('/api/v1/audit/checkpoints')).data?.items).toHaveLength(1);
    expect((await admin.GET('/api/v1/audit/verify')).data).toMatchObject({
      failed: [],
      failedCheckpoints: [],
    });
    const report = await admin.GET('/api/v1/reports/workflows/{key}', {
      params: { path: { key: PERMIT.key } },
    });
    expect(typeof report.data === 'object' && report.data.applications.total).toBe(1);
    const csv = await admin.GET('/api/v1/reports/workflows/{key}', {
      params: { path: { key: PERMIT.key } },
      headers: { accept: 'text/csv' },
      parseAs: 'text',
    });
    expect(csv.data?.split(/\r?\n/)[0]).toBe('section,subject,metric,value');

    // The webhook's deliveries, one sent again, then the subscription removed.
    const webhookPath = { params: { path: { id: webhookId } } };
    const deliveries = await eventually(
      async () => (await admin.GET('/api/v1/webhooks/{id}/deliveries', webhookPath)).data!.items,
      (items) => items.some((delivery) => delivery.status === 'delivered'),
    );
    const redelivered = await admin.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
      params: { path: { id: webhookId, deliveryId: deliveries[0]!.id } },
    });
    expect(redelivered.response.status).toBe(202);
    expect((await admin.DELETE('/api/v1/webhooks/{id}', webhookPath)).response.status).toBe(204);

    // A second application, whose new task market's inbox stream announces as documented, then withdrawn; a task
    // that does not exist is a documented 404.
    const marketInbox = await SseClient.open(`${t.baseUrl}/api/v1/tasks/events`, {
      authorization: `Bearer ${await t.token(market)}`,
    });
    await marketInbox.until((messages) => messages.some((m) => m.event === 'ready'));
    const second = await applicantClient.POST('/api/v1/applications', {
      body: { workflow: PERMIT.key, data: { name: 'Ann’s kiosk', address: '2 Main Street' } },
    });
    const announced = await marketInbox
      .until((messages) =>
        messages.some((m) => m.event === 'task' && m.data.applicationId === second.data!.id),
      )
      .finally(() => marketInbox.close());
    const checkTaskEvent = validator.eventData('/api/v1/tasks/events', 'get');
    expect(announced.filter((m) => m.event === 'task').flatMap((m) => checkTaskEvent(m.data))).toEqual([]);
    expect(announced.map((m) => m.event)).toContain('ready');
    expect(
      announced.flatMap((m) => validator.eventData('/api/v1/tasks/events', 'get', m.event)(m.data)),
    ).toEqual([]);
    const withdrawn = await applicantClient.POST('/api/v1/applications/{id}/withdraw', {
      params: { path: { id: second.data!.id } },
    });
    expect(withdrawn.data?.status).toBe('withdrawn');
    const missing = await marketClient.GET('/api/v1/tasks/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(missing.error?.status).toBe(404);

    // Refusals are documented answers too (the middleware fails any status or body the document lacks).
    const refusals = [
      await applicantClient.POST('/api/v1/applications', {
        body: { workflow: PERMIT.key, data: { name: 1 } },
      }),
      await (
        await as(marketColleague)
      ).POST('/api/v1/tasks/{id}/decision', { ...taskPath, body: { outcome: 'approve' } }),
      await applicantClient.POST('/api/v1/applications/{id}/rating', {
        params: { path: { id } },
        body: { score: 4 },
      }),
      await marketClient.GET('/api/v1/reports/workflows/{key}', { params: { path: { key: PERMIT.key } } }),
      await admin.POST('/api/v1/webhooks', { body: { url: 'ftp://elsewhere.example/hook', events: ['*'] } }),
    ];
    expect(refusals.map((r) => r.error?.status)).toEqual([400, 409, 409, 403, 400]);

    // Every operation of the document was called and answered as documented.
    expect(validator.operations().filter((operation) => !validator.walked.has(operation))).toEqual([]);
  });
});
