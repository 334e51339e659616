import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deadlineJobId, lapseJobId } from '../src/engine/plan.util.js';
import { QueueService } from '../src/queue/queue.service.js';
import { TimersProcessor } from '../src/timers/timers.processor.js';
import { eventually } from './support/eventually.js';
import {
  expectProblemWithPaths,
  inboxTask,
  jobCompleted,
  paths,
  registerWorkflow,
  stepOf,
  submitApplication,
  viewOf,
} from './support/helpers.js';
import { applicant, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');

const FORM = {
  type: 'object',
  required: ['applicant', 'address', 'seats'],
  properties: {
    applicant: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 } },
    },
    address: { type: 'string', minLength: 3 },
    seats: { type: 'integer', minimum: 0 },
    floorPlan: { type: 'string' },
  },
};

const DATA = { applicant: { name: 'Ann' }, address: '1 Main St', seats: 10, floorPlan: 'v1' };

/** Four departments in parallel, each reading its own part of the form. */
const restaurant = {
  key: 'fix-restaurant',
  name: 'Restaurant with corrections',
  form: FORM,
  steps: [
    { id: 'licence', name: 'Licence', department: 'market', fields: ['applicant.name', 'address'] },
    { id: 'fire', name: 'Fire', department: 'fire', fields: ['address', 'floorPlan'] },
    { id: 'food', name: 'Food', department: 'food', fields: ['address'] },
    { id: 'sign', name: 'Signage', department: 'urban', fields: ['seats'] },
  ].map((s) => ({ ...s, timeLimit: { hours: 24 } })),
};

/** A licence whose number a drainage permit needs, and a signage step beside them. */
const chain = {
  key: 'fix-chain',
  name: 'A produced value needed further on',
  form: FORM,
  steps: [
    {
      id: 'licence',
      name: 'Licence',
      department: 'market',
      fields: ['applicant.name', 'address'],
      produces: ['licenceNo'],
    },
    { id: 'drainage', name: 'Drainage', department: 'water', fields: ['address'], needs: ['licenceNo'] },
    { id: 'sign', name: 'Signage', department: 'urban', fields: ['seats'] },
  ].map((s) => ({ ...s, timeLimit: { hours: 24 } })),
};

/** The same form closed to unknown members, at the top and in `applicant`: one step, to return it. */
const strict = {
  key: 'fix-strict',
  name: 'Closed form with corrections',
  form: {
    ...FORM,
    additionalProperties: false,
    properties: {
      ...FORM.properties,
      applicant: { ...FORM.properties.applicant, additionalProperties: false },
    },
  },
  steps: [{ id: 'check', name: 'Check', department: 'strict', timeLimit: { hours: 24 } }],
};

const history = async (t: TestApp, id: string) =>
  (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body.events as {
    type: string;
    step: string | null;
    detail: Record<string, unknown>;
  }[];

const decide = (t: TestApp, department: string, taskId: string, body: Record<string, unknown>) =>
  t.request('POST', `/api/v1/tasks/${taskId}/decision`, { as: officer(department), body });

async function task(t: TestApp, department: string, id: string) {
  const found = await inboxTask(t, department, id);
  expect(found).toBeDefined();
  return found as { id: string; attempt: number; dueAt: string; openedAt: string };
}

/** Licence and signage approve; fire and food return at the same moment. */
async function returnedByTwo(t: TestApp): Promise<string> {
  const id = await submitApplication(t, 'fix-restaurant', DATA);
  expect((await decide(t, 'market', (await task(t, 'market', id)).id, { outcome: 'approve' })).status).toBe(
    200,
  );
  expect((await decide(t, 'urban', (await task(t, 'urban', id)).id, { outcome: 'approve' })).status).toBe(
    200,
  );
  const [fire, food] = await Promise.all([task(t, 'fire', id), task(t, 'food', id)]);
  const replies = await Promise.all([
    decide(t, 'fire', fire.id, { outcome: 'return', comment: 'Floor plan missing', fields: ['floorPlan'] }),
    decide(t, 'food', food.id, { outcome: 'return', comment: 'Address incomplete', fields: ['address'] }),
  ]);
  expect(replies.map((r) => [r.status, r.body.status])).toEqual([
    [200, 'returned'],
    [200, 'returned'],
  ]);
  return id;
}

/** Every department but fire approves; fire returns the floor plan. */
async function returnedByFire(t: TestApp, data: Record<string, unknown>): Promise<string> {
  const id = await submitApplication(t, 'fix-restaurant', data);
  for (const department of ['market', 'urban', 'food']) {
    const open = await task(t, department, id);
    expect((await decide(t, department, open.id, { outcome: 'approve' })).status).toBe(200);
  }
  await returnStep(t, { department: 'fire', id, fields: ['floorPlan'] });
  return id;
}

/** The department's open task of the application, returned for `fields`. */
async function returnStep(
  t: TestApp,
  { department, id, fields }: { department: string; id: string; fields: string[] },
) {
  const open = await task(t, department, id);
  const returned = await decide(t, department, open.id, {
    outcome: 'return',
    comment: 'Please correct',
    fields,
  });
  expect(returned.body.status).toBe('returned');
}

/**
 * A bar: the licence reads the name, alcohol is reviewed only for a bar selling it (`when`), and a small venue's
 * fire check is approved by rule; neither of the last two reads `seats` or `sellsAlcohol` through its fields.
 */
const bar = {
  key: 'fix-bar',
  name: 'Bar with corrections',
  form: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      seats: { type: 'integer' },
      sellsAlcohol: { type: 'boolean' },
      rooms: { type: 'array', items: { type: 'object' } },
    },
  },
  steps: [
    { id: 'licence', name: 'Licence', department: 'market', fields: ['name'] },
    {
      id: 'alcohol',
      name: 'Alcohol',
      department: 'commerce',
      fields: ['name'],
      when: { '==': [{ var: 'sellsAlcohol' }, true] },
    },
    {
      id: 'small',
      name: 'Small venue',
      department: 'fire',
      fields: ['name'],
      autoApprove: { '<': [{ var: 'seats' }, 50] },
    },
    { id: 'rooms', name: 'Rooms', department: 'health', fields: ['rooms'] },
  ].map((s) => ({ ...s, timeLimit: { hours: 24 } })),
};

describe('return for correction and resubmission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
    await registerWorkflow(t, restaurant);
    await registerWorkflow(t, strict);
    await registerWorkflow(t, bar);
    await registerWorkflow(t, chain);
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells the applicant once, with every department’s request together, when two return at once', async () => {
    const id = await returnedByTwo(t);
    const v = await viewOf(t, id);
    expect(v.status).toBe('correction_requested');
    expect(v.corrections).toEqual([
      { step: 'fire', department: 'fire', comment: 'Floor plan missing', fields: ['floorPlan'] },
      { step: 'food', department: 'food', comment: 'Address incomplete', fields: ['address'] },
    ]);
    expect(v.expectedBy).toBeNull();
    expect(v.waitingForApplicant).toMatchObject({ waiting: true, seconds: 0, lapsesAt: null });
    const types = (await history(t, id)).map((e) => e.type);
    expect(types.filter((type) => type === 'application_correction_requested')).toHaveLength(1);
    const listed = await t.request('GET', '/api/v1/applications?status=correction_requested', { as: ann });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(id);
  });

  it('keeps the application in review, with nothing told yet, while another department still reviews', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    const fire = await task(t, 'fire', id);
    await decide(t, 'fire', fire.id, {
      outcome: 'return',
      comment: 'Floor plan missing',
      fields: ['floorPlan'],
    });
    const v = await viewOf(t, id);
    expect(v.status).toBe('in_review');
    expect(v.corrections).toEqual([]);
    expect(stepOf(v, 'fire').status).toBe('returned');
    expect(['licence', 'food', 'sign'].map((s) => stepOf(v, s).status)).toEqual(['open', 'open', 'open']);
    // The applicant can answer only once the others are done; the returned step then has its full 24 hours again.
    const othersDue = Math.max(...['licence', 'food', 'sign'].map((s) => Date.parse(stepOf(v, s).dueAt)));
    expect(Date.parse(v.expectedBy)).toBe(othersDue + 24 * 3600_000);
  });

  it('rejects the application when its last department still reviewing rejects, though another returned it', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    for (const department of ['market', 'urban'])
      await decide(t, department, (await task(t, department, id)).id, { outcome: 'approve' });
    await decide(t, 'fire', (await task(t, 'fire', id)).id, {
      outcome: 'return',
      comment: 'Floor plan missing',
      fields: ['floorPlan'],
    });
    const rejected = await decide(t, 'food', (await task(t, 'food', id)).id, {
      outcome: 'reject',
      comment: 'Not a food business',
    });
    expect(rejected.status).toBe(200);
    const v = await viewOf(t, id);
    expect(v.status).toBe('rejected');
    expect(v.corrections).toEqual([]);
    expect(v.waitingForApplicant).toMatchObject({ waiting: false });
    expect(['licence', 'sign', 'fire', 'food'].map((s) => stepOf(v, s).status)).toEqual([
      'approved',
      'approved',
      'cancelled',
      'rejected',
    ]);
    const types = (await history(t, id)).map((e) => e.type);
    expect(types).not.toContain('application_correction_requested');
    const resubmitted = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { ...DATA, floorPlan: 'v2' } },
    });
    expect(resubmitted.status).toBe(409);
  });

  it('refuses a return without a comment, naming fields the form does not have, or producing values, naming every problem in one answer', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    const fire = await task(t, 'fire', id);
    const bad = await decide(t, 'fire', fire.id, {
      outcome: 'return',
      fields: ['floorPlan', 'roof', 'applicant.age'],
    });
    expectProblemWithPaths(bad, 400);
    expect(paths(bad).sort()).toEqual(['$.comment', '$.fields[1]', '$.fields[2]']);
    const none = await decide(t, 'fire', fire.id, { outcome: 'return', comment: 'Fix it' });
    expect(paths(none)).toEqual(['$.fields']);
    // A comment of invisible characters tells the applicant nothing.
    const unseen = await decide(t, 'fire', fire.id, {
      outcome: 'return',
      comment: '\u200b \ufeff',
      fields: ['floorPlan'],
    });
    expect(paths(unseen)).toEqual(['$.comment']);
    // Values an approval would produce are one more problem of the same 400, not a 400 of their own.
    const producing = await decide(t, 'fire', fire.id, { outcome: 'return', produces: { permitNo: 'F-1' } });
    expectProblemWithPaths(producing, 400);
    expect(paths(producing).sort()).toEqual(['$.comment', '$.fields', '$.produces']);
    expect(stepOf(await viewOf(t, id), 'fire').status).toBe('open');
  });

  it('takes an approval or a rejection that sends every member of the body, with null or no fields, and refuses one naming fields', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    const market = await task(t, 'market', id);
    const named = await decide(t, 'market', market.id, { outcome: 'approve', fields: ['floorPlan'] });
    expectProblemWithPaths(named, 400);
    expect(paths(named)).toEqual(['$.fields']);
    const approved = await decide(t, 'market', market.id, {
      outcome: 'approve',
      comment: null,
      produces: null,
      fields: null,
    });
    expect([approved.status, approved.body.status]).toEqual([200, 'approved']);
    const urban = await task(t, 'urban', id);
    const rejected = await decide(t, 'urban', urban.id, {
      outcome: 'reject',
      comment: 'No',
      produces: {},
      fields: [],
    });
    expect([rejected.status, rejected.body.status]).toEqual([200, 'rejected']);
  });

  it('refuses a return naming a form field the step does not see, or the whole of a group it sees part of', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    const licence = await task(t, 'market', id);
    const bad = await decide(t, 'market', licence.id, {
      outcome: 'return',
      comment: 'Fix these',
      fields: ['address', 'seats', 'applicant', 'applicant.name'],
    });
    expectProblemWithPaths(bad, 400);
    expect(paths(bad).sort()).toEqual(['$.fields[1]', '$.fields[2]']);
    expect(stepOf(await viewOf(t, id), 'licence').status).toBe('open');
    const granted = await decide(t, 'market', licence.id, {
      outcome: 'return',
      comment: 'Fix these',
      fields: ['address', 'applicant.name'],
    });
    expect(granted.status).toBe(200);
  });

  it('reopens exactly the returned steps and the approved steps that read a changed value', async () => {
    const id = await returnedByTwo(t);
    const before = await viewOf(t, id);
    const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { address: '1 Main Street, Unit 2', floorPlan: 'v2' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('in_review');
    expect(reply.body.data).toEqual({ ...DATA, address: '1 Main Street, Unit 2', floorPlan: 'v2' });
    expect(reply.body.corrections).toEqual([]);
    // Licence read the address and is reviewed again; signage read only the seats and its approval stands.
    expect(reply.body.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['licence', 'open'],
      ['fire', 'open'],
      ['food', 'open'],
      ['sign', 'approved'],
    ]);
    expect(stepOf(reply.body, 'sign').decidedAt).toBe(stepOf(before, 'sign').decidedAt);
    const resubmitted = (await history(t, id)).find((e) => e.type === 'resubmitted')!;
    expect(resubmitted.detail).toMatchObject({
      round: 1,
      changed: ['address', 'floorPlan'],
      reopened: ['licence', 'fire', 'food'],
    });
    // Each reopened step is a new attempt with a fresh, full time limit; the old attempts stay as they were.
    const rows = await t.query(
      `SELECT step, attempt, status, opened_at, due_at FROM tasks WHERE application_id = $1 ORDER BY step, attempt`,
      [id],
    );
    expect(rows.map((r) => [r.step, r.attempt, r.status])).toEqual([
      ['fire', 1, 'returned'],
      ['fire', 2, 'open'],
      ['food', 1, 'returned'],
      ['food', 2, 'open'],
      ['licence', 1, 'approved'],
      ['licence', 2, 'open'],
      ['sign', 1, 'approved'],
    ]);
    for (const row of rows.filter((r) => r.attempt === 2)) {
      expect(row.due_at.getTime() - row.opened_at.getTime()).toBe(24 * 3600_000);
    }
    const waited = (await viewOf(t, id)).waitingForApplicant;
    expect(waited.waiting).toBe(false);
    expect(waited.intervals).toHaveLength(1);
    expect(waited.intervals[0].to).not.toBeNull();
    expect(rows.find((r) => r.attempt === 2)!.opened_at.getTime()).toBeGreaterThanOrEqual(
      Date.parse(waited.intervals[0].to),
    );
    // The inbox holds the new attempt only; approving all three approves the application.
    for (const [department] of [['market'], ['fire'], ['food']]) {
      const again = await task(t, department!, id);
      expect(again.attempt).toBe(2);
      expect((await decide(t, department!, again.id, { outcome: 'approve' })).status).toBe(200);
    }
    expect((await viewOf(t, id)).status).toBe('approved');
  });

  it('reopens, behind a reopened step, the approved steps that need the values it produced, and they wait for new ones', async () => {
    const id = await submitApplication(t, 'fix-chain', DATA);
    const issued = await task(t, 'market', id);
    expect(
      (await decide(t, 'market', issued.id, { outcome: 'approve', produces: { licenceNo: 'L-1' } })).status,
    ).toBe(200);
    // The drainage permit reads the licence number only; signage returns the seats.
    expect((await decide(t, 'water', (await task(t, 'water', id)).id, { outcome: 'approve' })).status).toBe(
      200,
    );
    await returnStep(t, { department: 'urban', id, fields: ['seats'] });

    // The corrected name is read by the licence alone: the permit, given the licence's number, goes with it.
    const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { applicant: { name: 'Ann Lee' }, seats: 12 } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['licence', 'open'],
      ['drainage', 'blocked'],
      ['sign', 'open'],
    ]);
    const { detail } = (await history(t, id)).find((e) => e.type === 'resubmitted')!;
    expect(detail.changed).toEqual(['applicant.name', 'seats']);
    expect([...(detail.reopened as string[])].sort()).toEqual(['drainage', 'licence', 'sign']);
    const again = await task(t, 'market', id);
    expect(
      (await decide(t, 'market', again.id, { outcome: 'approve', produces: { licenceNo: 'L-2' } })).status,
    ).toBe(200);
    expect((await task(t, 'water', id)).attempt).toBe(2);
  });

  it('decides a rule again on the values it read, and keeps a skipped step skipped though its `when` now holds', async () => {
    // The members of `rooms[0]` in an order jsonb does not keep: sent back unchanged, they must not count as changed.
    const rooms = [{ label: 'kitchen', sqm: 10 }];
    const id = await submitApplication(t, 'fix-bar', { name: 'Bar', seats: 10, sellsAlcohol: false, rooms });
    const submitted = await viewOf(t, id);
    expect(stepOf(submitted, 'small').status).toBe('approved');
    expect(stepOf(submitted, 'alcohol').status).toBe('skipped');
    const health = await task(t, 'health', id);
    expect((await decide(t, 'health', health.id, { outcome: 'approve' })).status).toBe(200);
    await returnStep(t, { department: 'market', id, fields: ['name'] });

    const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { name: 'Bar Central', seats: 5000, sellsAlcohol: true, rooms } },
    });
    expect(reply.status).toBe(200);
    // 5,000 seats no longer pass the small venue's rule. `when` was evaluated at submission and is not again (the
    // contract): the alcohol review stays skipped, and the history names it.
    expect(reply.body.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['licence', 'open'],
      ['alcohol', 'skipped'],
      ['small', 'open'],
      ['rooms', 'approved'],
    ]);
    expect((await history(t, id)).find((e) => e.type === 'resubmitted')!.detail).toMatchObject({
      changed: ['name', 'seats', 'sellsAlcohol'],
      reopened: ['licence', 'small'],
      stillSkipped: ['alcohol'],
    });
    expect((await task(t, 'fire', id)).attempt).toBe(2);
    const again = await task(t, 'market', id);
    expect((await decide(t, 'market', again.id, { outcome: 'approve' })).status).toBe(200);
    const small = await task(t, 'fire', id);
    expect((await decide(t, 'fire', small.id, { outcome: 'approve' })).status).toBe(200);
    expect((await viewOf(t, id)).status).toBe('approved');
  });

  it('lists every error of a correction that breaks the form, and changes nothing', async () => {
    const id = await returnedByTwo(t);
    const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { address: 'x', seats: -1, applicant: null } },
    });
    expectProblemWithPaths(reply, 400);
    expect(paths(reply).length).toBeGreaterThanOrEqual(3);
    const v = await viewOf(t, id);
    expect(v.status).toBe('correction_requested');
    expect(v.data).toEqual(DATA);
  });

  it("refuses a correction adding members named like Object.prototype's to a closed form, naming each, as submission does", async () => {
    const id = await submitApplication(t, 'fix-strict', DATA);
    const check = await task(t, 'strict', id);
    const returned = await decide(t, 'strict', check.id, {
      outcome: 'return',
      comment: 'Seats?',
      fields: ['seats'],
    });
    expect(returned.status).toBe(200);
    for (const [data, path] of [
      [{ seats: 31, constructor: 'x' }, '$.data.constructor'],
      [{ toString: 'x' }, '$.data.toString'],
      [{ applicant: { hasOwnProperty: 'x' } }, '$.data.applicant.hasOwnProperty'],
    ] as const) {
      const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
        as: ann,
        body: { data },
      });
      expectProblemWithPaths(reply, 400);
      expect(paths(reply)).toEqual([path]);
    }
    const v = await viewOf(t, id);
    expect(v.status).toBe('correction_requested');
    expect(v.data).toEqual(DATA);
    const fixed = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { seats: 31 } },
    });
    expect(fixed.status).toBe(200);
  });

  it('refuses a correction that would grow the data past what one submission may hold, and keeps the data', async () => {
    // Each request stays within the 1,000 properties a body's object may have; together they would not.
    const keys = (prefix: string) =>
      Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`${prefix}${i}`, i]));
    const submitted = { ...DATA, ...keys('x') };
    const id = await returnedByFire(t, submitted);
    const grown = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: keys('y') },
    });
    expectProblemWithPaths(grown, 400);
    expect(grown.body.errors).toEqual([{ path: '$.data', message: 'has more than 1000 properties' }]);
    const v = await viewOf(t, id);
    expect(v.status).toBe('correction_requested');
    expect(v.data).toEqual(submitted);
    const fixed = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v2' } },
    });
    expect(fixed.status).toBe(200);
  });

  it('answers 409 to a resubmission unless the application awaits correction, and 404 to another applicant', async () => {
    const id = await submitApplication(t, 'fix-restaurant', DATA);
    const early = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v2' } },
    });
    expectProblemWithPaths(early, 409);
    const other = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: applicant('bob'),
      body: { data: {} },
    });
    expect(other.status).toBe(404);
  });

  it('replays a resubmission retried with the same Idempotency-Key, and reopens the steps once', async () => {
    const id = await returnedByTwo(t);
    const send = () =>
      t.request('POST', `/api/v1/applications/${id}/resubmit`, {
        as: ann,
        body: { data: { floorPlan: 'v3' } },
        headers: { 'idempotency-key': `fix-${id}` },
      });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await history(t, id)).filter((e) => e.type === 'resubmitted')).toHaveLength(1);
    const reused = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v4' } },
      headers: { 'idempotency-key': `fix-${id}` },
    });
    expect(reused.status).toBe(409);
  });
});

describe('corrections on a service with a small body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { bodyLimitBytes: 4096 } });
    await registerWorkflow(t, restaurant);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a correction whose merged data would take more bytes than one body may, and keeps the data', async () => {
    // The submission and the patch each fit in 4,096 bytes; the data with the patch merged in would not.
    const submitted = { ...DATA, address: `1 Main St ${'x'.repeat(2500)}` };
    const id = await returnedByFire(t, submitted);
    const grown = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'y'.repeat(2500) } },
    });
    expectProblemWithPaths(grown, 400);
    expect(grown.body.errors).toEqual([
      { path: '$.data', message: expect.stringMatching(/^would take \d+ bytes of JSON, more than 4096$/) },
    ]);
    expect((await viewOf(t, id)).data).toEqual(submitted);
    const fixed = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v2' } },
    });
    expect(fixed.status).toBe(200);
  });
});

describe('timers after a resubmission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { sweepIntervalMs: 1000 } });
    await registerWorkflow(t, {
      key: 'fix-quick',
      name: 'Quick deemed approval with corrections',
      form: FORM,
      steps: [
        {
          id: 'quick',
          name: 'Quick',
          department: 'quick',
          fields: ['floorPlan'],
          timeLimit: { seconds: 3 },
          onTimeout: 'approve',
        },
      ],
    });
    await registerWorkflow(t, {
      key: 'fix-window',
      name: 'Corrections within two seconds',
      form: FORM,
      correctionWindow: { seconds: 2 },
      steps: [{ id: 'check', name: 'Check', department: 'check', timeLimit: { hours: 1 } }],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leaves the deadline job of a superseded attempt without effect; the new attempt keeps its own', async () => {
    const id = await submitApplication(t, 'fix-quick', DATA);
    const first = await task(t, 'quick', id);
    await decide(t, 'quick', first.id, { outcome: 'return', comment: 'Plan', fields: ['floorPlan'] });
    const reply = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v2' } },
    });
    expect(reply.status).toBe(200);
    const [second] = await t.query(
      `SELECT id, attempt, due_at FROM tasks WHERE application_id = $1 AND attempt = 2`,
      [id],
    );
    // Both jobs have run: the first attempt's at its old due time, the second attempt's at its own.
    await jobCompleted(t, 'deadlines', deadlineJobId({ id: first.id, attempt: 1 }));
    await jobCompleted(t, 'deadlines', deadlineJobId(second));
    const events = await history(t, id);
    const deemed = events.filter((e) => e.type === 'deemed_approved');
    expect(deemed).toHaveLength(1);
    expect(deemed[0]!.detail).toMatchObject({ attempt: 2, dueAt: second.due_at.toISOString() });
    const rows = await t.query(
      `SELECT attempt, status, decided_by FROM tasks WHERE application_id = $1 ORDER BY attempt`,
      [id],
    );
    expect(rows).toEqual([
      { attempt: 1, status: 'returned', decided_by: 'officer' },
      { attempt: 2, status: 'approved', decided_by: 'timeout' },
    ]);
  });

  it('lapses an application left awaiting correction past its window, even with its job lost, once', async () => {
    const id = await submitApplication(t, 'fix-window', DATA);
    const check = await task(t, 'check', id);
    await decide(t, 'check', check.id, { outcome: 'return', comment: 'Plan', fields: ['floorPlan'] });
    const waiting = await viewOf(t, id);
    expect(waiting.status).toBe('correction_requested');
    expect(waiting.waitingForApplicant.lapsesAt).not.toBeNull();
    // The queue loses the job: the sweep finds the window closed in the database and acts.
    await t.app.get(QueueService).queue('deadlines').remove(lapseJobId(id, 0));
    const lapsed = await eventually(
      () => viewOf(t, id),
      (v) => v.status === 'lapsed',
    );
    expect(Date.parse(lapsed.decidedAt)).toBeGreaterThanOrEqual(
      Date.parse(waiting.waitingForApplicant.lapsesAt),
    );
    expect(lapsed.corrections).toEqual([
      { step: 'check', department: 'check', comment: 'Plan', fields: ['floorPlan'] },
    ]);
    await Promise.all([t.app.get(TimersProcessor).onLapse(id, 0), t.app.get(TimersProcessor).sweep()]);
    const types = (await history(t, id)).map((e) => e.type);
    expect(types.filter((type) => type === 'correction_lapsed')).toHaveLength(1);
    expect(types.filter((type) => type === 'application_lapsed')).toHaveLength(1);
    const late = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: {} },
    });
    expect(late.status).toBe(409);
  });

  it('lapses through the queue when nothing is lost, and a resubmission in time stops the window', async () => {
    const lapsing = await submitApplication(t, 'fix-window', DATA);
    const kept = await submitApplication(t, 'fix-window', DATA);
    for (const id of [lapsing, kept]) {
      const check = await task(t, 'check', id);
      await decide(t, 'check', check.id, { outcome: 'return', comment: 'Plan', fields: ['floorPlan'] });
    }
    const fixed = await t.request('POST', `/api/v1/applications/${kept}/resubmit`, {
      as: ann,
      body: { data: { floorPlan: 'v2' } },
    });
    expect(fixed.status).toBe(200);
    await jobCompleted(t, 'deadlines', lapseJobId(lapsing, 0));
    await jobCompleted(t, 'deadlines', lapseJobId(kept, 0));
    expect((await viewOf(t, lapsing)).status).toBe('lapsed');
    const v = await viewOf(t, kept);
    expect(v.status).toBe('in_review');
    expect(v.waitingForApplicant).toMatchObject({ waiting: false, lapsesAt: null });
  });
});
