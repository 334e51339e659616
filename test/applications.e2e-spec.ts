import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { READ_APPLICATION_VIEW, READ_APPLICATION_VIEWS } from '../src/applications/application-sql.util.js';
import { ADMIN, applicant, FIXTURES, officer, TestApp } from './support/test-app.js';
import type { Caller } from './support/test-app.js';
import { expectProblem } from './support/helpers.js';

const ann = applicant('ann');
const data = {
  applicant: { name: 'Ann Li', idNumber: '11010119900307123X' },
  address: '1 Long Street',
  seats: 12,
  sellsAlcohol: false,
};

interface StepView {
  id: string;
  status: string;
  openedAt: string | null;
  dueAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
}

const HOUR = 3600 * 1000;

function step(id: string, department: string, extra: Record<string, unknown> = {}) {
  return { id, name: `Step ${id}`, department, timeLimit: { hours: 24 }, ...extra };
}

function statusOf(view: { steps: StepView[] }): Record<string, string> {
  return Object.fromEntries(view.steps.map((s) => [s.id, s.status]));
}

function stepOf(view: { steps: StepView[] }, id: string): StepView {
  const found = view.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

describe('an application from submission to approval', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
  });
  afterAll(async () => {
    await t.close();
  });

  async function register(definition: Record<string, unknown>): Promise<void> {
    const reply = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: definition });
    expect([200, 201]).toContain(reply.status);
  }

  async function submit(workflow: string, body: Record<string, unknown>, as: Caller = ann) {
    const reply = await t.request('POST', '/api/v1/applications', { as, body: { workflow, data: body } });
    expect(reply.status).toBe(201);
    return reply;
  }

  async function openTask(department: string, applicationId: string, step?: string) {
    const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer(department) });
    expect(inbox.status).toBe(200);
    const task = inbox.body.items.find(
      (i: { applicationId: string; step: string }) =>
        i.applicationId === applicationId && (step === undefined || i.step === step),
    );
    expect(task).toBeDefined();
    return task as { id: string; step: string; data: Record<string, unknown>; dueAt: string };
  }

  async function inboxHas(department: string, taskId: string): Promise<boolean> {
    const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer(department) });
    expect(inbox.status).toBe(200);
    return inbox.body.items.some((i: { id: string }) => i.id === taskId);
  }

  async function decide(department: string, taskId: string, body: Record<string, unknown>, sub?: string) {
    return t.request('POST', `/api/v1/tasks/${taskId}/decision`, { as: officer(department, sub), body });
  }

  async function view(id: string, as: Caller = ann) {
    const reply = await t.request('GET', `/api/v1/applications/${id}`, { as });
    expect(reply.status).toBe(200);
    return reply.body;
  }

  it('fans out to every department at once and is approved when every step is', async () => {
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'shop-permit', data },
    });
    expect(submitted.status).toBe(201);
    const id: string = submitted.body.id;
    const status = Object.fromEntries(
      submitted.body.steps.map((s: { id: string; status: string }) => [s.id, s.status]),
    );
    expect(status).toEqual({
      licence: 'open',
      fire: 'open',
      food: 'blocked',
      alcohol: 'skipped',
      sign: 'open',
    });

    const licence = await openTask('market-regulation', id);
    const approved = await t.request('POST', `/api/v1/tasks/${licence.id}/decision`, {
      as: officer('market-regulation'),
      body: { outcome: 'approve', produces: { licenceNo: 'L-1' } },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');

    const fire = await openTask('fire-rescue', id);
    await t.request('POST', `/api/v1/tasks/${fire.id}/decision`, {
      as: officer('fire-rescue'),
      body: { outcome: 'approve' },
    });
    const food = await openTask('food-safety', id);
    await t.request('POST', `/api/v1/tasks/${food.id}/decision`, {
      as: officer('food-safety'),
      body: { outcome: 'approve' },
    });
    const sign = await openTask('urban-management', id);
    const first = await t.request('POST', `/api/v1/tasks/${sign.id}/decision`, {
      as: officer('urban-management', 'u1'),
      body: { outcome: 'approve' },
    });
    expect(first.body.status).toBe('open');
    const second = await t.request('POST', `/api/v1/tasks/${sign.id}/decision`, {
      as: officer('urban-management', 'u2'),
      body: { outcome: 'approve' },
    });
    expect(second.body.status).toBe('approved');

    const view = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
    expect(view.body.status).toBe('approved');
    expect(view.body.produced).toEqual({ licenceNo: 'L-1' });
    expect(view.body.decidedAt).not.toBeNull();
    const history = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
    expect(history.body.chain.valid).toBe(true);
    expect(history.body.events.map((e: { type: string }) => e.type)).toContain('application_approved');
    const admin = await t.request('GET', `/api/v1/applications/${id}`, { as: ADMIN });
    expect(admin.status).toBe(200);
  });

  describe('rejection', () => {
    it('ends the application as rejected and cancels the open and blocked steps', async () => {
      const submitted = await submit('shop-permit', data);
      const id: string = submitted.body.id;
      const licence = await openTask('market-regulation', id);
      const sign = await openTask('urban-management', id);
      const fire = await openTask('fire-rescue', id);
      expect(await inboxHas('market-regulation', licence.id)).toBe(true);

      const rejected = await decide('fire-rescue', fire.id, { outcome: 'reject', comment: 'No exits' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('rejected');

      const after = await view(id);
      expect(after.status).toBe('rejected');
      expect(after.decidedAt).not.toBeNull();
      expect(statusOf(after)).toEqual({
        licence: 'cancelled',
        fire: 'rejected',
        food: 'cancelled',
        alcohol: 'skipped',
        sign: 'cancelled',
      });
      expect(stepOf(after, 'fire')).toMatchObject({ decidedBy: 'officer', comment: 'No exits' });
      expect(stepOf(after, 'fire').decidedAt).not.toBeNull();

      // The cancelled tasks leave their departments' inboxes and say so when read directly.
      expect(await inboxHas('market-regulation', licence.id)).toBe(false);
      expect(await inboxHas('urban-management', sign.id)).toBe(false);
      const licenceTask = await t.request('GET', `/api/v1/tasks/${licence.id}`, {
        as: officer('market-regulation'),
      });
      expect(licenceTask.status).toBe(200);
      expect(licenceTask.body.status).toBe('cancelled');
      const rows = await t.query<{ step: string; status: string }>(
        'SELECT step, status FROM tasks WHERE application_id = $1 ORDER BY step',
        [id],
      );
      expect(rows).toEqual([
        { step: 'fire', status: 'rejected' },
        { step: 'licence', status: 'cancelled' },
        { step: 'sign', status: 'cancelled' },
      ]);

      const history = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      const types = history.body.events.map((e: { type: string; step: string | null }) =>
        [e.type, e.step].join(':'),
      );
      expect(types.slice(-5)).toEqual(
        expect.arrayContaining([
          'decided:fire',
          'step_cancelled:licence',
          'step_cancelled:food',
          'step_cancelled:sign',
          'application_rejected:',
        ]),
      );
      expect(types[types.length - 1]).toBe('application_rejected:');
      expect(history.body.chain.valid).toBe(true);
    });
  });

  describe('conditional steps', () => {
    const skipFlow = {
      key: 'skip-flow',
      name: 'Conditional steps',
      form: {
        type: 'object',
        required: ['address'],
        properties: { address: { type: 'string' }, hasGarden: { type: 'boolean' } },
      },
      steps: [
        step('garden', 'parks', { when: { '==': [{ var: 'hasGarden' }, true] } }),
        step('after-garden', 'planning', { after: ['garden'] }),
        step('survey', 'surveying'),
        step('both', 'housing', { after: ['garden', 'survey'] }),
      ],
    };

    beforeAll(async () => {
      await register(skipFlow);
    });

    it('skips a step whose `when` is false and opens at once a step whose every prerequisite is skipped', async () => {
      const submitted = await submit('skip-flow', { address: '2 Hill Road', hasGarden: false });
      expect(statusOf(submitted.body)).toEqual({
        garden: 'skipped',
        'after-garden': 'open',
        survey: 'open',
        both: 'blocked',
      });
      expect(stepOf(submitted.body, 'garden')).toMatchObject({ openedAt: null, dueAt: null });
      const id: string = submitted.body.id;
      // A skipped step never reaches an inbox.
      const parks = await t.request('GET', '/api/v1/tasks', { as: officer('parks') });
      expect(parks.body.items.filter((i: { applicationId: string }) => i.applicationId === id)).toEqual([]);

      // A skipped prerequisite counts as satisfied: `both` waits only for `survey`.
      const survey = await openTask('surveying', id);
      expect((await decide('surveying', survey.id, { outcome: 'approve' })).status).toBe(200);
      expect(statusOf(await view(id)).both).toBe('open');

      const afterGarden = await openTask('planning', id);
      expect((await decide('planning', afterGarden.id, { outcome: 'approve' })).status).toBe(200);
      const both = await openTask('housing', id);
      expect((await decide('housing', both.id, { outcome: 'approve' })).status).toBe(200);

      const done = await view(id);
      expect(done.status).toBe('approved');
      expect(statusOf(done)).toEqual({
        garden: 'skipped',
        'after-garden': 'approved',
        survey: 'approved',
        both: 'approved',
      });
    });

    it('keeps a step whose `when` holds, and its dependants wait for it', async () => {
      const submitted = await submit('skip-flow', { address: '3 Hill Road', hasGarden: true });
      expect(statusOf(submitted.body)).toEqual({
        garden: 'open',
        'after-garden': 'blocked',
        survey: 'open',
        both: 'blocked',
      });
    });

    it('approves at once an application whose every step is skipped', async () => {
      await register({
        key: 'all-skipped',
        name: 'Nothing to review',
        form: { type: 'object', properties: { flag: { type: 'boolean' } } },
        steps: [
          step('one', 'dept-one', { when: { '==': [{ var: 'flag' }, true] } }),
          step('two', 'dept-two', { when: { '==': [{ var: 'flag' }, true] }, after: ['one'] }),
        ],
      });
      const submitted = await submit('all-skipped', { flag: false });
      expect(submitted.body.status).toBe('approved');
      expect(statusOf(submitted.body)).toEqual({ one: 'skipped', two: 'skipped' });
      expect(submitted.body.decidedAt).not.toBeNull();
      expect(submitted.body.expectedBy).toBeNull();
    });
  });

  describe('produced values', () => {
    beforeAll(async () => {
      await register({
        key: 'produce-flow',
        name: 'Values produced by decisions',
        form: { type: 'object', properties: { name: { type: 'string' } } },
        steps: [
          step('register', 'registry', { produces: ['regNo', 'regDate'] }),
          step('certify', 'certification', { produces: ['certNo'] }),
          step('publish', 'gazette', { needs: ['regNo', 'certNo'] }),
        ],
      });
    });

    it('merges the values each approval produces into `produced`, and opens the steps that need them', async () => {
      const submitted = await submit('produce-flow', { name: 'Acme' });
      const id: string = submitted.body.id;
      expect(submitted.body.produced).toEqual({});
      expect(statusOf(submitted.body).publish).toBe('blocked');

      const reg = await openTask('registry', id);
      const regReply = await decide('registry', reg.id, {
        outcome: 'approve',
        produces: { regNo: 'R-77', regDate: '2026-01-05' },
      });
      expect(regReply.status).toBe(200);
      const mid = await view(id);
      expect(mid.produced).toEqual({ regNo: 'R-77', regDate: '2026-01-05' });
      expect(statusOf(mid).publish).toBe('blocked');

      const cert = await openTask('certification', id);
      expect(
        (await decide('certification', cert.id, { outcome: 'approve', produces: { certNo: 42 } })).status,
      ).toBe(200);
      const after = await view(id);
      expect(after.produced).toEqual({ regNo: 'R-77', regDate: '2026-01-05', certNo: 42 });
      expect(statusOf(after).publish).toBe('open');
      // Produced values are the application's, not part of the applicant's own data.
      expect(after.data).toEqual({ name: 'Acme' });
    });
  });

  describe('data minimisation', () => {
    const person = {
      owner: {
        name: 'Bo Chen',
        idNumber: '110101199003071234',
        contact: { phone: '555-0100', email: 'bo@example.com' },
      },
      address: '9 Pier Lane',
      income: 120000,
      notes: 'private',
    };

    beforeAll(async () => {
      await register({
        key: 'minimal-flow',
        name: 'Each department sees only its fields',
        form: {
          type: 'object',
          properties: {
            owner: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                idNumber: { type: 'string' },
                contact: {
                  type: 'object',
                  properties: { phone: { type: 'string' }, email: { type: 'string' } },
                },
              },
            },
            address: { type: 'string' },
            income: { type: 'number' },
            notes: { type: 'string' },
          },
        },
        steps: [
          step('contact', 'telecom', { fields: ['owner.contact.phone', 'owner.name'] }),
          step('tax', 'revenue', { fields: ['income'] }),
          step('site', 'zoning', { fields: ['address', 'owner.contact'] }),
          step('everything', 'audit-office'),
        ],
      });
    });

    it("shows a task only the form fields its step's `fields` grant, nested paths included", async () => {
      const submitted = await submit('minimal-flow', person);
      const id: string = submitted.body.id;

      const contact = await openTask('telecom', id);
      expect(contact.data).toEqual({ owner: { name: 'Bo Chen', contact: { phone: '555-0100' } } });
      const tax = await openTask('revenue', id);
      expect(tax.data).toEqual({ income: 120000 });
      const site = await openTask('zoning', id);
      expect(site.data).toEqual({
        address: '9 Pier Lane',
        owner: { contact: { phone: '555-0100', email: 'bo@example.com' } },
      });
      // A step that names no fields sees the whole form.
      const everything = await openTask('audit-office', id);
      expect(everything.data).toEqual(person);

      // The single-task view and the decision reply cut the data the same way.
      const single = await t.request('GET', `/api/v1/tasks/${contact.id}`, { as: officer('telecom') });
      expect(single.body.data).toEqual({ owner: { name: 'Bo Chen', contact: { phone: '555-0100' } } });
      const serialised = JSON.stringify(single.body);
      for (const secret of ['110101199003071234', 'bo@example.com', '9 Pier Lane', 'private', '120000']) {
        expect(serialised).not.toContain(secret);
      }
      const decided = await decide('revenue', tax.id, { outcome: 'approve' });
      expect(decided.status).toBe(200);
      expect(decided.body.data).toEqual({ income: 120000 });
    });
  });

  describe('the version an application is pinned to', () => {
    it('is the latest version registered, also when another process registered it behind this one', async () => {
      const definition = {
        key: 'versioned-permit',
        name: 'Versioned permit',
        form: { type: 'object', properties: { name: { type: 'string' } } },
        steps: [step('check', 'fire-rescue')],
      };
      await register(definition);
      expect((await submit('versioned-permit', { name: 'one' })).body.workflow).toEqual({
        key: 'versioned-permit',
        version: 1,
      });
      // Another process registers version 2 straight into the shared database: this one has not heard of it.
      await t.query(
        `INSERT INTO workflow_versions (key, version, name, definition, content_hash)
         SELECT key, 2, name, definition, 'registered-elsewhere' FROM workflow_versions WHERE key = 'versioned-permit'`,
      );
      const second = await submit('versioned-permit', { name: 'two' });
      expect(second.body.workflow).toEqual({ key: 'versioned-permit', version: 2 });
      // Registered through this process: the next submission takes it at once.
      await register({ ...definition, name: 'Versioned permit, third edition' });
      const third = await submit('versioned-permit', { name: 'three' });
      expect(third.body.workflow).toEqual({ key: 'versioned-permit', version: 3 });
      const stored = await t.query<{ version: number; n: number }>(
        `SELECT workflow_version AS version, count(*)::int AS n FROM applications
          WHERE workflow_key = 'versioned-permit' GROUP BY workflow_version ORDER BY 1`,
      );
      expect(stored).toEqual([
        { version: 1, n: 1 },
        { version: 2, n: 1 },
        { version: 3, n: 1 },
      ]);
      const tasks = await t.query<{ version: number }>(
        `SELECT t.workflow_version AS version FROM tasks t WHERE t.application_id = $1`,
        [second.body.id],
      );
      expect(tasks).toEqual([{ version: 2 }]);
    });
  });

  describe('ETag', () => {
    it('answers 304 with an empty body to If-None-Match with the current ETag, and 200 once it changed', async () => {
      const submitted = await submit('shop-permit', data);
      const id: string = submitted.body.id;
      const submitTag = submitted.headers.get('etag');
      expect(submitTag).toBeTruthy();
      expect(submitted.body.revision).toBe(1);

      const first = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toBe(submitTag);

      const notModified = await t.request('GET', `/api/v1/applications/${id}`, {
        as: ann,
        headers: { 'if-none-match': etag },
      });
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBeNull();
      expect(notModified.headers.get('etag')).toBe(etag);

      const fire = await openTask('fire-rescue', id);
      expect((await decide('fire-rescue', fire.id, { outcome: 'approve' })).status).toBe(200);

      const changed = await t.request('GET', `/api/v1/applications/${id}`, {
        as: ann,
        headers: { 'if-none-match': etag },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.revision).toBe(2);
      const newTag = changed.headers.get('etag')!;
      expect(newTag).toBeTruthy();
      expect(newTag).not.toBe(etag);
      expect(statusOf(changed.body).fire).toBe('approved');

      const again = await t.request('GET', `/api/v1/applications/${id}`, {
        as: ann,
        headers: { 'if-none-match': newTag },
      });
      expect(again.status).toBe(304);
      expect(again.body).toBeNull();
    });

    it('answers 304 to a poll that names the application in capitals, as a UUID is case-insensitive', async () => {
      const submitted = await submit('shop-permit', data);
      const id = (submitted.body.id as string).toUpperCase();
      const etag = submitted.headers.get('etag')!;
      const poll = await t.request('GET', `/api/v1/applications/${id}`, {
        as: ann,
        headers: { 'if-none-match': etag },
      });
      expect(poll.status).toBe(304);
      const plain = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
      expect(plain.status).toBe(200);
      expect(plain.body.id).toBe(id.toLowerCase());
    });

    it('answers 304 to a weak tag or one of a list, and 200 to a tag that only resembles the current one', async () => {
      const submitted = await submit('shop-permit', data);
      const path = `/api/v1/applications/${submitted.body.id}`;
      const etag = submitted.headers.get('etag')!;
      const poll = (tag: string) => t.request('GET', path, { as: ann, headers: { 'if-none-match': tag } });
      expect((await poll(`W/${etag}`)).status).toBe(304);
      expect((await poll(`"elsewhere.3", ${etag}`)).status).toBe(304);
      const lookalike = etag.replace(/\.1"$/, '.01"');
      expect(lookalike).not.toBe(etag);
      const reply = await poll(lookalike);
      expect(reply.status).toBe(200);
      expect(reply.body.revision).toBe(1);
      expect((await poll(etag.slice(1, -1))).status).toBe(200); // unquoted
    });

    it('answers 304 to If-None-Match: *, which names any current representation', async () => {
      const submitted = await submit('shop-permit', data);
      const reply = await t.request('GET', `/api/v1/applications/${submitted.body.id}`, {
        as: ann,
        headers: { 'if-none-match': '*' },
      });
      expect(reply.status).toBe(304);
      expect(reply.headers.get('etag')).toBe(submitted.headers.get('etag'));
    });

    it("does not answer 304 to another application's ETag", async () => {
      const one = await submit('shop-permit', data);
      const two = await submit('shop-permit', data);
      const reply = await t.request('GET', `/api/v1/applications/${two.body.id}`, {
        as: ann,
        headers: { 'if-none-match': one.headers.get('etag')! },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.id).toBe(two.body.id);
    });

    it('aggregates no task for a poll whose ETag matches, and the tasks for one whose ETag does not', async () => {
      const one = await submit('shop-permit', data);
      const two = await submit('shop-permit', data);
      const revision = one.body.revision as number;
      // The tasks a poll's read scans, summed over the polls it answers (one alone, or several together), each
      // with the revision its If-None-Match named.
      const tasksScanned = async (polls: [string, number][]) => {
        const [explained] = await t.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${polls.length === 1 ? READ_APPLICATION_VIEW.text : READ_APPLICATION_VIEWS.text}`,
          polls.length === 1 ? polls[0] : [polls.map(([id]) => id), polls.map(([, known]) => known)],
        );
        const loops: number[] = [];
        const walk = (node: Record<string, unknown>) => {
          if (node['Relation Name'] === 'tasks') loops.push(node['Actual Loops'] as number);
          for (const child of (node.Plans ?? []) as Record<string, unknown>[]) walk(child);
        };
        walk((explained!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
        expect(loops.length).toBeGreaterThan(0);
        return loops.reduce((a, b) => a + b, 0);
      };
      expect(await tasksScanned([[one.body.id, revision]])).toBe(0);
      expect(await tasksScanned([[one.body.id, revision + 1]])).toBe(1);
      expect(
        await tasksScanned([
          [one.body.id, revision],
          [two.body.id, revision + 1],
          [one.body.id, revision],
        ]),
      ).toBe(1);
      expect(
        await tasksScanned([
          [one.body.id, revision],
          [two.body.id, revision],
        ]),
      ).toBe(0);
    });

    it('answers polls that arrive together each from its own application and ETag', async () => {
      const submitted = await Promise.all([1, 2, 3, 4].map(() => submit('shop-permit', data)));
      // Forty polls at once, more than the reads that run at once: most wait and go together.
      const polls = Array.from({ length: 40 }, (_, i) => {
        const own = submitted[i % 4]!;
        const other = submitted[(i + 1) % 4]!;
        const etag = i % 2 === 0 ? own.headers.get('etag')! : other.headers.get('etag')!;
        return {
          id: own.body.id as string,
          revision: own.body.revision as number,
          matches: i % 2 === 0,
          etag,
        };
      });
      const poll = (id: string, etag: string) =>
        t.request('GET', `/api/v1/applications/${id}`, { as: ann, headers: { 'if-none-match': etag } });
      const missing = '00000000-0000-4000-8000-000000000000';
      const [replies, gone] = await Promise.all([
        Promise.all(polls.map((p) => poll(p.id, p.etag))),
        Promise.all([1, 2].map(() => poll(missing, `"${missing}.1"`))),
      ]);
      for (const reply of gone) expect(reply.status).toBe(404);
      replies.forEach((reply, i) => {
        const poll = polls[i]!;
        expect(reply.status).toBe(poll.matches ? 304 : 200);
        expect(reply.headers.get('etag')).toBe(`"${poll.id}.${poll.revision}"`);
        if (!poll.matches) expect(reply.body.id).toBe(poll.id);
      });
    });

    it('answers a poll with the headers and body of a plain GET, and refuses an officer as a plain GET does', async () => {
      const submitted = await submit('shop-permit', data);
      const path = `/api/v1/applications/${submitted.body.id}`;
      const plain = await t.request('GET', path, { as: ann });
      const stale = await t.request('GET', path, { as: ann, headers: { 'if-none-match': '"stale"' } });
      const unchanged = await t.request('GET', path, {
        as: ann,
        headers: { 'if-none-match': submitted.headers.get('etag')! },
      });
      const varying = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
      const fixed = (headers: Headers) => [...headers].filter(([name]) => !varying.has(name));
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual(plain.body);
      expect(fixed(stale.headers)).toEqual(fixed(plain.headers));
      expect(unchanged.status).toBe(304);
      // A 304 has no body, and so no content type or length; everything else is the plain GET's.
      const bodiless = new Set(['content-type', 'content-length']);
      expect(fixed(unchanged.headers)).toEqual(fixed(plain.headers).filter(([name]) => !bodiless.has(name)));
      expect(unchanged.headers.get('x-request-id')).toBeTruthy();
      const polls: Record<string, string>[] = [{}, { 'if-none-match': submitted.headers.get('etag')! }];
      for (const headers of polls) {
        expectProblem(await t.request('GET', path, { as: officer('fire-rescue'), headers }), 403);
        const missing = await t.request('GET', '/api/v1/applications/00000000-0000-4000-8000-000000000000', {
          as: ann,
          headers,
        });
        expectProblem(missing, 404);
        expect(missing.body.detail).toBe('Application not found');
      }
    });

    it('answers another applicant who names the current ETag 404, not 304, and an admin 304', async () => {
      const submitted = await submit('shop-permit', data);
      const path = `/api/v1/applications/${submitted.body.id}`;
      const headers = { 'if-none-match': submitted.headers.get('etag')! };
      const stranger = await t.request('GET', path, { as: applicant('mallory'), headers });
      expect(stranger.status).toBe(404);
      expect(stranger.headers.get('etag')).toBeNull();
      expect((await t.request('GET', path, { as: ADMIN, headers })).status).toBe(304);
    });
  });

  describe('listing own applications', () => {
    const lister = applicant('lister');
    const other = applicant('other-lister');
    const created: { id: string; submittedAt: string }[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        const reply = await submit('shop-permit', { ...data, seats: i }, lister);
        created.push({ id: reply.body.id, submittedAt: reply.body.submittedAt });
        await submit('shop-permit', data, other);
      }
    });

    function newestFirst(items: { id: string; submittedAt: string }[]): string[] {
      return [...items]
        .sort((a, b) =>
          a.submittedAt !== b.submittedAt
            ? b.submittedAt.localeCompare(a.submittedAt)
            : b.id.localeCompare(a.id),
        )
        .map((i) => i.id);
    }

    async function walk(query: string, as: Caller) {
      const ids: string[] = [];
      const pages: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const path: string = `/api/v1/applications?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await t.request('GET', path, { as });
        expect(page.status).toBe(200);
        ids.push(...page.body.items.map((i: { id: string }) => i.id));
        pages.push(page.body.items.length);
        cursor = page.body.nextCursor;
        if (cursor === null) return { ids, pages };
      }
      throw new Error('pagination did not end');
    }

    it("lists only the caller's own applications, newest first", async () => {
      const reply = await t.request('GET', '/api/v1/applications', { as: lister });
      expect(reply.status).toBe(200);
      expect(reply.body.items.map((i: { id: string }) => i.id)).toEqual(newestFirst(created));
      expect(reply.body.nextCursor).toBeNull();
      const theirs = await t.request('GET', '/api/v1/applications', { as: other });
      expect(theirs.body.items).toHaveLength(5);
      for (const item of theirs.body.items) expect(created.map((c) => c.id)).not.toContain(item.id);
    });

    it('walks every page with a cursor: no duplicates, no gaps, nextCursor null at the end', async () => {
      const { ids, pages } = await walk('limit=2', lister);
      expect(pages).toEqual([2, 2, 1]);
      expect(new Set(ids).size).toBe(5);
      expect(ids).toEqual(newestFirst(created));
    });

    it('filters by status, with the filter kept across pages', async () => {
      const victim = created[2]!;
      const fire = await openTask('fire-rescue', victim.id);
      expect((await decide('fire-rescue', fire.id, { outcome: 'reject' })).status).toBe(200);

      const rejected = await t.request('GET', '/api/v1/applications?status=rejected', { as: lister });
      expect(rejected.status).toBe(200);
      expect(rejected.body.items.map((i: { id: string }) => i.id)).toEqual([victim.id]);
      expect(rejected.body.items[0].status).toBe('rejected');

      const inReview = await walk('status=in_review&limit=2', lister);
      expect(inReview.pages).toEqual([2, 2]);
      expect(inReview.ids).toEqual(newestFirst(created.filter((c) => c.id !== victim.id)));

      const approved = await t.request('GET', '/api/v1/applications?status=approved', { as: lister });
      expect(approved.body).toEqual({ items: [], nextCursor: null });
    });

    it('refuses an unknown status, a bad limit and a forged cursor with 400', async () => {
      for (const query of ['status=pending', 'limit=0', 'limit=101', 'cursor=not-a-cursor']) {
        const reply = await t.request('GET', `/api/v1/applications?${query}`, { as: lister });
        expect(reply.status).toBe(400);
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
      }
    });
  });

  describe('expectedBy', () => {
    beforeAll(async () => {
      await register({
        key: 'expect-flow',
        name: 'Expected completion',
        form: { type: 'object' },
        steps: [
          step('first', 'exp-a', { timeLimit: { hours: 1 } }),
          step('then', 'exp-b', { timeLimit: { hours: 10 }, after: ['first'] }),
          step('side', 'exp-c', { timeLimit: { hours: 5 } }),
        ],
      });
    });

    it('is the latest due time along what is left of the critical path while in review, null once decided', async () => {
      const submitted = await submit('expect-flow', {});
      const id: string = submitted.body.id;
      const firstDue = Date.parse(stepOf(submitted.body, 'first').dueAt!);
      expect(submitted.body.expectedBy).not.toBeNull();
      // `then` cannot open before `first` is due, and takes 10 hours from there: the longer of the two paths.
      expect(Date.parse(submitted.body.expectedBy)).toBe(firstDue + 10 * HOUR);

      const first = await openTask('exp-a', id);
      await decide('exp-a', first.id, { outcome: 'approve' });
      const mid = await view(id);
      expect(mid.status).toBe('in_review');
      expect(Date.parse(mid.expectedBy)).toBe(Date.parse(stepOf(mid, 'then').dueAt!));

      const then = await openTask('exp-b', id);
      await decide('exp-b', then.id, { outcome: 'approve' });
      const side = await openTask('exp-c', id);
      await decide('exp-c', side.id, { outcome: 'approve' });
      const done = await view(id);
      expect(done.status).toBe('approved');
      expect(done.expectedBy).toBeNull();
    });

    it('is null once the application is rejected', async () => {
      const submitted = await submit('expect-flow', {});
      expect(submitted.body.expectedBy).not.toBeNull();
      const side = await openTask('exp-c', submitted.body.id);
      await decide('exp-c', side.id, { outcome: 'reject' });
      const done = await view(submitted.body.id);
      expect(done.status).toBe('rejected');
      expect(done.expectedBy).toBeNull();
    });
  });

  describe('commitment', () => {
    // On cn-mainland: five working days from Monday 2 March 2026, 09:00 (the analysis's reference instant) end on
    // Monday 9 March at 23:59:59.999 local, past the weekend: 7 d 15 h = 658,800 s. Plain days would end on Saturday.
    const committed = {
      key: 'commit-flow',
      name: 'Committed time',
      calendar: 'cn-mainland',
      form: { type: 'object', properties: { kind: { type: 'string' } } },
      steps: [
        step('survey', 'commit-a', { timeLimit: { workingDays: 5 } }),
        step('inspect', 'commit-b', {
          timeLimit: { hours: 200 },
          when: { '==': [{ var: 'kind' }, 'large'] },
        }),
        step('seal', 'commit-c', { timeLimit: { hours: 100 }, after: ['inspect'] }),
      ],
    };

    beforeAll(async () => {
      await register(committed);
    });

    it("is the workflow's analysis when the application takes every step", async () => {
      const submitted = await submit('commit-flow', { kind: 'large' });
      const workflow = await t.request('GET', '/api/v1/workflows/commit-flow', { as: ADMIN });
      const { unit, serial, parallel, compression, criticalPath, referenceInstant } = workflow.body.analysis;
      expect(submitted.body.commitment).toEqual({
        unit,
        serial,
        parallel,
        compression,
        criticalPath,
        referenceInstant,
      });
      // inspect then seal: 300 h, longer than the survey's 658,800 s.
      expect(criticalPath).toEqual(['inspect', 'seal']);
    });

    it('leaves out a skipped step: its dependants start at once, and working days fall on the calendar', async () => {
      const submitted = await submit('commit-flow', { kind: 'small' });
      expect(statusOf(submitted.body).inspect).toBe('skipped');
      expect(submitted.body.commitment).toEqual({
        unit: 'seconds',
        serial: 658_800 + 100 * 3600,
        parallel: 658_800,
        compression: Math.round((1 - 658_800 / (658_800 + 360_000)) * 10_000) / 10_000,
        criticalPath: ['survey'],
        referenceInstant: '2026-03-02T01:00:00.000Z',
      });
      // The same as the analysis of the workflow without the step.
      const without = await t.request('POST', '/api/v1/workflows/analyze', {
        as: ADMIN,
        body: {
          ...committed,
          steps: [committed.steps[0], { ...committed.steps[2], after: [] }],
        },
      });
      expect(without.body.analysis).toMatchObject(submitted.body.commitment);

      const again = await t.request('GET', `/api/v1/applications/${submitted.body.id}`, { as: ann });
      expect(again.body.commitment).toEqual(submitted.body.commitment);
    });
  });

  describe('history', () => {
    beforeAll(async () => {
      await register({
        key: 'history-flow',
        name: 'Traceable',
        form: { type: 'object', properties: { name: { type: 'string' } } },
        steps: [step('check', 'hist-a', { produces: ['ref'] }), step('seal', 'hist-b', { after: ['check'] })],
      });
    });

    async function decidedHistoryApplication() {
      const submitted = await submit('history-flow', { name: 'Dee' });
      const id: string = submitted.body.id;
      const check = await openTask('hist-a', id);
      await decide(
        'hist-a',
        check.id,
        { outcome: 'approve', comment: 'fine', produces: { ref: 'X1' } },
        'hal',
      );
      const seal = await openTask('hist-b', id);
      await decide('hist-b', seal.id, { outcome: 'approve' }, 'sam');
      return id;
    }

    it('lists every event in order, with actor, type, step and detail, and a valid chain ending at the last hash', async () => {
      const id = await decidedHistoryApplication();
      const history = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      expect(history.status).toBe(200);
      const events = history.body.events as {
        seq: number;
        at: string;
        actor: unknown;
        type: string;
        step: string | null;
        detail: Record<string, unknown>;
      }[];
      const system = { role: 'system', id: 'engine' };
      expect(events.map(({ seq, actor, type, step }) => ({ seq, actor, type, step }))).toEqual([
        { seq: 1, actor: { role: 'applicant', id: 'ann' }, type: 'submitted', step: null },
        { seq: 2, actor: system, type: 'step_opened', step: 'check' },
        { seq: 3, actor: { role: 'officer', id: 'hal' }, type: 'decided', step: 'check' },
        { seq: 4, actor: system, type: 'step_opened', step: 'seal' },
        { seq: 5, actor: { role: 'officer', id: 'sam' }, type: 'decided', step: 'seal' },
        { seq: 6, actor: system, type: 'application_approved', step: null },
      ]);
      expect(events[0]!.detail).toMatchObject({
        workflow: { key: 'history-flow', version: 1 },
        skipped: [],
        dataHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(events[1]!.detail).toMatchObject({ attempt: 1, dueAt: expect.any(String) });
      expect(events[2]!.detail).toMatchObject({
        outcome: 'approve',
        attempt: 1,
        comment: 'fine',
        produces: { ref: 'X1' },
      });
      expect(events[4]!.detail).toMatchObject({ outcome: 'approve', comment: null });
      const times = events.map((e) => Date.parse(e.at));
      expect(times.every((time, i) => i === 0 || time >= times[i - 1]!)).toBe(true);

      const [last] = await t.query<{ hash: string }>(
        'SELECT hash FROM history WHERE application_id = $1 ORDER BY seq DESC LIMIT 1',
        [id],
      );
      // No checkpoint has been signed in this file: nothing to match yet (see test/audit.e2e-spec.ts).
      expect(history.body.chain).toEqual({ valid: true, head: last!.hash, matchesCheckpoint: null });
      expect(history.body.checkpoint).toBeNull();
    });

    it("is the applicant's and the admin's to read, and 404 to another applicant", async () => {
      const id = await decidedHistoryApplication();
      expect((await t.request('GET', `/api/v1/applications/${id}/history`, { as: ADMIN })).status).toBe(200);
      const stranger = await t.request('GET', `/api/v1/applications/${id}/history`, {
        as: applicant('mallory'),
      });
      expect(stranger.status).toBe(404);
    });

    it('shows the chain as broken once one stored row is altered', async () => {
      const id = await decidedHistoryApplication();
      const before = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      expect(before.body.chain.valid).toBe(true);

      // The table refuses UPDATE; an administrator who disables that trigger can still write.
      await t.query('ALTER TABLE history DISABLE TRIGGER history_append_only');
      await t.query(
        `UPDATE history SET detail = jsonb_set(detail, '{outcome}', '"reject"') WHERE application_id = $1 AND seq = 3`,
        [id],
      );
      await t.query('ALTER TABLE history ENABLE TRIGGER history_append_only');
      const after = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      expect(after.status).toBe(200);
      expect(after.body.events[2].detail.outcome).toBe('reject');
      expect(after.body.chain.valid).toBe(false);
    });

    it('shows the chain as broken once a row is dropped', async () => {
      const id = await decidedHistoryApplication();
      await t.query('ALTER TABLE history DISABLE TRIGGER history_append_only');
      await t.query('DELETE FROM history WHERE application_id = $1 AND seq = 4', [id]);
      await t.query('ALTER TABLE history ENABLE TRIGGER history_append_only');
      const after = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      expect(after.body.chain.valid).toBe(false);
    });
  });

  describe('withdrawal', () => {
    it('cancels every open and blocked step and ends the application as withdrawn, once', async () => {
      const submitted = await submit('shop-permit', data);
      const id: string = submitted.body.id;
      const licence = await openTask('market-regulation', id, 'licence');
      expect(
        (
          await decide('market-regulation', licence.id, {
            outcome: 'approve',
            produces: { licenceNo: 'L-9' },
          })
        ).status,
      ).toBe(200);
      const fire = await openTask('fire-rescue', id, 'fire');

      const withdrawn = await t.request('POST', `/api/v1/applications/${id}/withdraw`, { as: ann });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body.status).toBe('withdrawn');
      expect(withdrawn.body.decidedAt).not.toBeNull();
      expect(withdrawn.body.expectedBy).toBeNull();
      expect(statusOf(withdrawn.body)).toEqual({
        licence: 'approved',
        fire: 'cancelled',
        food: 'cancelled',
        alcohol: 'skipped',
        sign: 'cancelled',
      });
      expect(await inboxHas('fire-rescue', fire.id)).toBe(false);
      expect((await decide('fire-rescue', fire.id, { outcome: 'approve' })).status).toBe(409);

      const again = await t.request('POST', `/api/v1/applications/${id}/withdraw`, { as: ann });
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const history = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
      const types = history.body.events.map((e: { type: string }) => e.type);
      expect(types.filter((type: string) => type === 'withdrawn')).toHaveLength(1);
      expect(types).toContain('application_withdrawn');
      expect(history.body.chain.valid).toBe(true);
    });

    it('is 404 for another applicant, 403 for an officer, and 409 once decided', async () => {
      const submitted = await submit('shop-permit', data);
      const id: string = submitted.body.id;
      expect(
        (await t.request('POST', `/api/v1/applications/${id}/withdraw`, { as: applicant('bob') })).status,
      ).toBe(404);
      expect(
        (await t.request('POST', `/api/v1/applications/${id}/withdraw`, { as: officer('fire-rescue') }))
          .status,
      ).toBe(403);
      const fire = await openTask('fire-rescue', id, 'fire');
      expect((await decide('fire-rescue', fire.id, { outcome: 'reject' })).status).toBe(200);
      expect((await t.request('POST', `/api/v1/applications/${id}/withdraw`, { as: ann })).status).toBe(409);
      expect((await view(id)).status).toBe('rejected');
    });
  });

  it('replays a submission retried with its Idempotency-Key even after the workflow gained a required field', async () => {
    const definition = {
      key: 'idem-form',
      name: 'Idempotent form',
      form: { type: 'object', properties: { note: { type: 'string' } } },
      steps: [step('only', 'records')],
    };
    await register(definition);
    const request = {
      as: ann,
      body: { workflow: 'idem-form', data: { note: 'x' } },
      headers: { 'idempotency-key': 'form-change-1' },
    };
    const first = await t.request('POST', '/api/v1/applications', request);
    expect(first.status).toBe(201);
    await register({ ...definition, form: { ...definition.form, required: ['permit'] } });
    const retry = await t.request('POST', '/api/v1/applications', request);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const fresh = await t.request('POST', '/api/v1/applications', { ...request, headers: {} });
    expect(fresh.status).toBe(400);
    expect(fresh.body.errors).toContainEqual({ path: '$.data.permit', message: expect.any(String) });
  });
});
