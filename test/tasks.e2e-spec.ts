import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { registerNew, submitApplication } from './support/helpers.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';
import type { Caller, Reply } from './support/test-app.js';

const ann = applicant('ann');
const HOUR = 3600 * 1000;

interface TaskItem {
  id: string;
  applicationId: string;
  workflow: { key: string; version: number };
  step: string;
  department: string;
  status: string;
  dueAt: string;
  openedAt: string;
  signoffs: { officer: string; at: string }[];
}

function step(id: string, department: string, extra: Record<string, unknown> = {}) {
  return { id, name: `Step ${id}`, department, timeLimit: { hours: 24 }, ...extra };
}

const form = {
  type: 'object',
  properties: { name: { type: 'string' }, address: { type: 'string' }, secret: { type: 'string' } },
};

/** Three steps of one department with different limits, and one step of another department. */
const inboxOrder = {
  key: 'inbox-order',
  name: 'Inbox ordering',
  form,
  steps: [
    step('slow', 'triage', { timeLimit: { hours: 72 } }),
    step('fast', 'triage', { timeLimit: { hours: 2 } }),
    step('mid', 'triage', { timeLimit: { hours: 24 } }),
    step('records', 'records'),
  ],
};

const inboxOther = {
  key: 'inbox-other',
  name: 'Another workflow for the same department',
  form,
  steps: [step('only', 'triage', { timeLimit: { hours: 48 } })],
};

const decisions = {
  key: 'decisions',
  name: 'Decision rules',
  form,
  steps: [
    step('licence', 'licensing', { produces: ['licenceNo'], fields: ['name'] }),
    step('countersign', 'signing', { signoff: 2, fields: ['address'] }),
    step('later', 'later-dept', { after: ['licence'] }),
  ],
};

describe('tasks: the department inbox and decisions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
    await registerNew(t, [inboxOrder, inboxOther, decisions]);
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (workflow: string, as: Caller = ann) =>
    submitApplication(t, workflow, { name: 'Cy', address: '4 Quay', secret: 'hidden' }, as);

  async function inbox(
    as: Caller,
    query = '',
  ): Promise<Reply<{ items: TaskItem[]; nextCursor: string | null }>> {
    const reply = await t.request<{ items: TaskItem[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/tasks${query ? `?${query}` : ''}`,
      { as },
    );
    expect(reply.status).toBe(200);
    return reply;
  }

  async function taskOf(applicationId: string, stepId: string): Promise<string> {
    const [row] = await t.query<{ id: string }>(
      'SELECT id FROM tasks WHERE application_id = $1 AND step = $2 ORDER BY attempt DESC LIMIT 1',
      [applicationId, stepId],
    );
    if (!row) throw new Error(`no task for ${stepId}`);
    return row.id;
  }

  function decide(taskId: string, as: Caller, body: Record<string, unknown>) {
    return t.request('POST', `/api/v1/tasks/${taskId}/decision`, { as, body });
  }

  function expectProblem(reply: Reply, status: number) {
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect(Array.isArray(reply.body.errors)).toBe(true);
  }

  describe('the inbox', () => {
    const triage = officer('triage');
    const records = officer('records');
    let first: string;
    let second: string;
    let otherWorkflow: string;

    beforeAll(async () => {
      first = await submit('inbox-order');
      second = await submit('inbox-order', applicant('bea'));
      otherWorkflow = await submit('inbox-other');
    });

    it("shows only the officer's own department", async () => {
      const mine = await inbox(triage);
      expect(mine.body.items).toHaveLength(7);
      for (const item of mine.body.items) expect(item.department).toBe('triage');
      expect(mine.body.items.map((i) => i.step)).not.toContain('records');

      const theirs = await inbox(records);
      expect(theirs.body.items.map((i) => [i.applicationId, i.step])).toEqual(
        expect.arrayContaining([
          [first, 'records'],
          [second, 'records'],
        ]),
      );
      expect(theirs.body.items).toHaveLength(2);

      // Another department's task is not found, not forbidden.
      const foreign = await t.request('GET', `/api/v1/tasks/${theirs.body.items[0]!.id}`, { as: triage });
      expectProblem(foreign, 404);
      const nobody = await inbox(officer('no-such-department'));
      expect(nobody.body).toEqual({ items: [], nextCursor: null });
    });

    it('puts the most urgent due time first', async () => {
      const mine = await inbox(triage);
      const due = mine.body.items.map((i) => Date.parse(i.dueAt));
      expect(due).toEqual([...due].sort((a, b) => a - b));
      expect(mine.body.items.map((i) => i.step)).toEqual([
        'fast',
        'fast',
        'mid',
        'mid',
        'only',
        'slow',
        'slow',
      ]);
      expect(mine.body.items.slice(0, 2).map((i) => i.applicationId)).toEqual([first, second]);
    });

    it('pages with a cursor in the same order, without duplicates or gaps', async () => {
      const all = (await inbox(triage)).body.items.map((i) => i.id);
      const walked: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const page = await inbox(triage, `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        walked.push(...page.body.items.map((i) => i.id));
        sizes.push(page.body.items.length);
        cursor = page.body.nextCursor;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect(sizes).toEqual([2, 2, 2, 1]);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(all);
    });

    it('filters by workflow', async () => {
      const order = await inbox(triage, 'workflow=inbox-order');
      expect(order.body.items).toHaveLength(6);
      for (const item of order.body.items) expect(item.workflow.key).toBe('inbox-order');
      const other = await inbox(triage, 'workflow=inbox-other');
      expect(other.body.items.map((i) => [i.applicationId, i.step])).toEqual([[otherWorkflow, 'only']]);
      const none = await inbox(triage, 'workflow=no-such-workflow');
      expect(none.body.items).toEqual([]);
    });

    it('lists decided tasks with ?status=approved, and they leave the open inbox', async () => {
      const fast = await taskOf(first, 'fast');
      expect((await decide(fast, triage, { outcome: 'approve' })).status).toBe(200);

      const approved = await inbox(triage, 'status=approved');
      expect(approved.body.items.map((i) => i.id)).toEqual([fast]);
      expect(approved.body.items[0]!.status).toBe('approved');
      const open = await inbox(triage);
      expect(open.body.items.map((i) => i.id)).not.toContain(fast);
      expect(open.body.items).toHaveLength(6);
      for (const item of open.body.items) expect(item.status).toBe('open');
      // Another department's approved tasks stay out of this inbox.
      const recordsApproved = await inbox(records, 'status=approved');
      expect(recordsApproved.body.items).toEqual([]);
    });

    it('refuses bad query parameters with 400', async () => {
      for (const query of ['status=nonsense', 'limit=0', 'limit=500', 'cursor=%%%', 'workflow=Bad Key']) {
        expectProblem(await t.request('GET', `/api/v1/tasks?${query}`, { as: triage }), 400);
      }
    });
  });

  describe('the task view', () => {
    it('carries status, attempt, due time, signoffs and signoffRequired', async () => {
      const applicationId = await submit('decisions');
      const id = await taskOf(applicationId, 'countersign');
      const reply = await t.request('GET', `/api/v1/tasks/${id}`, { as: officer('signing') });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        id,
        applicationId,
        workflow: { key: 'decisions', version: 1 },
        step: 'countersign',
        name: 'Step countersign',
        department: 'signing',
        status: 'open',
        overdue: false,
        attempt: 1,
        signoffs: [],
        signoffRequired: 2,
        data: { address: '4 Quay' },
      });
      expect(Date.parse(reply.body.dueAt) - Date.parse(reply.body.openedAt)).toBe(24 * HOUR);

      const licence = await t.request('GET', `/api/v1/tasks/${await taskOf(applicationId, 'licence')}`, {
        as: officer('licensing'),
      });
      expect(licence.body).toMatchObject({ signoffRequired: 1, signoffs: [], data: { name: 'Cy' } });
      // An admin reads any department's task; an applicant may not use the endpoint at all.
      expect((await t.request('GET', `/api/v1/tasks/${id}`, { as: ADMIN })).status).toBe(200);
      expectProblem(await t.request('GET', `/api/v1/tasks/${id}`, { as: ann }), 403);
    });
  });

  describe('decisions', () => {
    it('answers 409 problem+json to a decision on a task that is no longer open', async () => {
      const applicationId = await submit('decisions');
      const licence = await taskOf(applicationId, 'licence');
      const first = await decide(licence, officer('licensing', 'l1'), {
        outcome: 'approve',
        produces: { licenceNo: 'L-9' },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'approved', decidedBy: 'officer' });

      const again = await decide(licence, officer('licensing', 'l2'), { outcome: 'reject' });
      expectProblem(again, 409);
      const still = await t.request('GET', `/api/v1/tasks/${licence}`, { as: officer('licensing') });
      expect(still.body.status).toBe('approved');
      const decided = await t.query(
        `SELECT 1 FROM history WHERE application_id = $1 AND type = 'decided' AND step = 'licence'`,
        [applicationId],
      );
      expect(decided).toHaveLength(1);
    });

    it('answers 409 to a decision on a task cancelled by a rejection elsewhere', async () => {
      const applicationId = await submit('decisions');
      const countersign = await taskOf(applicationId, 'countersign');
      const licence = await taskOf(applicationId, 'licence');
      expect((await decide(licence, officer('licensing'), { outcome: 'reject' })).status).toBe(200);
      const reply = await decide(countersign, officer('signing'), { outcome: 'approve' });
      expectProblem(reply, 409);
      const task = await t.request('GET', `/api/v1/tasks/${countersign}`, { as: officer('signing') });
      expect(task.body.status).toBe('cancelled');
      expect(task.body.signoffs).toEqual([]);
    });

    it('approves a countersigned step only on the second distinct officer, refusing the same officer twice', async () => {
      const applicationId = await submit('decisions');
      const id = await taskOf(applicationId, 'countersign');
      const first = await decide(id, officer('signing', 'sig-1'), {
        outcome: 'approve',
        comment: 'ok by me',
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'open', signoffRequired: 2 });
      expect(first.body.signoffs).toEqual([{ officer: 'sig-1', at: expect.any(String) }]);

      const twice = await decide(id, officer('signing', 'sig-1'), { outcome: 'approve' });
      expectProblem(twice, 409);
      const unchanged = await t.request('GET', `/api/v1/tasks/${id}`, { as: officer('signing') });
      expect(unchanged.body.status).toBe('open');
      expect(unchanged.body.signoffs.map((s: { officer: string }) => s.officer)).toEqual(['sig-1']);

      const second = await decide(id, officer('signing', 'sig-2'), { outcome: 'approve' });
      expect(second.status).toBe(200);
      expect(second.body.status).toBe('approved');
      expect(second.body.signoffs.map((s: { officer: string }) => s.officer)).toEqual(['sig-1', 'sig-2']);

      const application = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
      expect(application.body.steps.find((s: { id: string }) => s.id === 'countersign').status).toBe(
        'approved',
      );
      const history = await t.request('GET', `/api/v1/applications/${applicationId}/history`, { as: ann });
      const signed = history.body.events.filter(
        (e: { type: string; step: string }) => e.type === 'decided' && e.step === 'countersign',
      );
      expect(signed.map((e: { actor: { id: string } }) => e.actor.id)).toEqual(['sig-1', 'sig-2']);
      expect(history.body.chain.valid).toBe(true);
    });

    it('decides a countersigned step at once on one rejection', async () => {
      const applicationId = await submit('decisions');
      const id = await taskOf(applicationId, 'countersign');
      expect((await decide(id, officer('signing', 'sig-1'), { outcome: 'approve' })).status).toBe(200);
      const rejected = await decide(id, officer('signing', 'sig-2'), { outcome: 'reject' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('rejected');
      const application = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
      expect(application.body.status).toBe('rejected');
    });

    it('refuses a rejection that carries produced values with 400, and changes nothing', async () => {
      const applicationId = await submit('decisions');
      const licence = await taskOf(applicationId, 'licence');
      const reply = await decide(licence, officer('licensing'), {
        outcome: 'reject',
        produces: { licenceNo: 'L-1' },
      });
      expectProblem(reply, 400);
      expect(reply.body.errors.map((e: { path: string }) => e.path)).toContain('$.produces');
      const task = await t.request('GET', `/api/v1/tasks/${licence}`, { as: officer('licensing') });
      expect(task.body.status).toBe('open');
      const application = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
      expect(application.body).toMatchObject({ status: 'in_review', revision: 1, produced: {} });
    });

    it('refuses an approval missing a declared value, or carrying an undeclared one, listing each with 400', async () => {
      const applicationId = await submit('decisions');
      const licence = await taskOf(applicationId, 'licence');
      const missing = await decide(licence, officer('licensing'), { outcome: 'approve' });
      expectProblem(missing, 400);
      expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['$.produces.licenceNo']);
      const extra = await decide(licence, officer('licensing'), {
        outcome: 'approve',
        produces: { licenceNo: 'L-2', colour: 'red' },
      });
      expectProblem(extra, 400);
      expect(extra.body.errors.map((e: { path: string }) => e.path)).toEqual(['$.produces.colour']);
      const badOutcome = await decide(licence, officer('licensing'), { outcome: 'maybe' });
      expectProblem(badOutcome, 400);
      const task = await t.request('GET', `/api/v1/tasks/${licence}`, { as: officer('licensing') });
      expect(task.body.status).toBe('open');
    });

    it("answers 404 to a decision on another department's task, and 403 to an applicant", async () => {
      const applicationId = await submit('decisions');
      const licence = await taskOf(applicationId, 'licence');
      expectProblem(await decide(licence, officer('signing'), { outcome: 'reject' }), 404);
      expectProblem(await decide(licence, ann, { outcome: 'reject' }), 403);
      const task = await t.request('GET', `/api/v1/tasks/${licence}`, { as: officer('licensing') });
      expect(task.body.status).toBe('open');
    });

    it('takes a task id in capitals as the same task, as a UUID is case-insensitive', async () => {
      const applicationId = await submit('decisions');
      const licence = (await taskOf(applicationId, 'licence')).toUpperCase();
      const as = officer('licensing');
      expect((await t.request('GET', `/api/v1/tasks/${licence}`, { as })).body.id).toBe(
        licence.toLowerCase(),
      );
      expect((await t.request('POST', `/api/v1/tasks/${licence}/claim`, { as })).status).toBe(200);
      const decided = await decide(licence, as, { outcome: 'reject', comment: 'Refused' });
      expect(decided.status).toBe(200);
      expect(decided.body).toMatchObject({ id: licence.toLowerCase(), status: 'rejected' });
    });

    it('answers 404 to a decision or a claim on a task that does not exist', async () => {
      const unknown = randomUUID();
      const as = officer('licensing');
      expectProblem(await decide(unknown, as, { outcome: 'approve' }), 404);
      expectProblem(await t.request('POST', `/api/v1/tasks/${unknown}/claim`, { as, body: {} }), 404);
    });
  });
});

describe('approvals on a service with a small body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { bodyLimitBytes: 4096 } });
    await registerNew(t, [
      {
        key: 'two-licences',
        name: 'Two licences',
        form,
        steps: [
          step('first', 'first-desk', { produces: ['a'] }),
          step('second', 'second-desk', { produces: ['b'] }),
        ],
      },
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses an approval whose values would grow the application's produced values past one body, and keeps them", async () => {
    const id = await submitApplication(t, 'two-licences', {});
    const approve = async (department: string, produces: Record<string, unknown>) => {
      const inbox = await t.request('GET', '/api/v1/tasks', { as: officer(department) });
      const task = inbox.body.items.find((i: TaskItem) => i.applicationId === id) as TaskItem;
      return t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
        as: officer(department),
        body: { outcome: 'approve', produces },
      });
    };
    // Each approval fits in 4,096 bytes; both values together would not.
    expect((await approve('first-desk', { a: 'x'.repeat(2500) })).status).toBe(200);
    const grown = await approve('second-desk', { b: 'y'.repeat(2500) });
    expect(grown.status).toBe(400);
    expect(grown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(grown.body.errors).toEqual([
      {
        path: '$.produces',
        message: expect.stringMatching(
          /^would make the application's produced values \d+ bytes of JSON, more than 4096$/,
        ),
      },
    ]);
    const view = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
    expect(view.body.produced).toEqual({ a: 'x'.repeat(2500) });
    expect((await approve('second-desk', { b: 'B-1' })).status).toBe(200);
  });
});
