import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  expectProblemWithPaths,
  inboxTask,
  paths,
  registerWorkflow,
  simpleWorkflow,
  submitApplication,
} from './support/helpers.js';
import { ADMIN, applicant, officer, TestApp } from './support/test-app.js';
import type { Caller } from './support/test-app.js';

const ann = applicant('ann');
const alice = officer('permits', 'alice');
const bob = officer('permits', 'bob');
const carol = officer('permits', 'carol');
const stranger = officer('fire', 'frank');

const history = async (t: TestApp, id: string) =>
  (await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann })).body.events as {
    type: string;
    actor: { role: string; id: string };
    detail: Record<string, unknown>;
  }[];

describe("the officer's toolbox", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
    await registerWorkflow(
      t,
      simpleWorkflow('toolbox', [{ id: 'permit', timeLimit: { hours: 8 } }], () => 'permits'),
    );
    await registerWorkflow(
      t,
      simpleWorkflow(
        'toolbox-joint',
        [{ id: 'permit', timeLimit: { hours: 8 }, signoff: 2, produces: ['licenceNo'] }],
        () => 'permits',
      ),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  async function openTask(): Promise<{ applicationId: string; taskId: string }> {
    const applicationId = await submitApplication(t, 'toolbox', { note: 'x' });
    const task = await inboxTask(t, 'permits', applicationId);
    return { applicationId, taskId: task.id as string };
  }

  const post = (as: Caller, taskId: string, action: string, body?: unknown) =>
    t.request('POST', `/api/v1/tasks/${taskId}/${action}`, { as, body });

  it('lets one of two officers claiming at once win; the other gets 409 until it is released', async () => {
    const { applicationId, taskId } = await openTask();
    const replies = await Promise.all([post(alice, taskId, 'claim'), post(bob, taskId, 'claim')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = replies[0].status === 200 ? alice : bob;
    const loser = winner === alice ? bob : alice;
    expectProblemWithPaths(
      replies.find((r) => r.status === 409)!,
      409,
    );
    expect(replies.find((r) => r.status === 200)!.body.claimedBy).toBe(winner.sub);
    expect((await t.request('GET', `/api/v1/tasks/${taskId}`, { as: loser })).body.claimedBy).toBe(
      winner.sub,
    );

    // Claiming again what one holds changes nothing.
    expect((await post(winner, taskId, 'claim')).status).toBe(200);
    const ids = async (as: Caller, query: string) =>
      (await t.request('GET', `/api/v1/tasks${query}`, { as })).body.items.map((i: { id: string }) => i.id);
    expect(await ids(winner, '?claimed=mine&limit=100')).toContain(taskId);
    expect(await ids(loser, '?claimed=mine&limit=100')).not.toContain(taskId);
    expect(await ids(loser, '?claimed=none&limit=100')).not.toContain(taskId);

    // The other officer may neither decide nor release it.
    expect((await post(loser, taskId, 'decision', { outcome: 'approve' })).status).toBe(409);
    expect((await post(loser, taskId, 'release')).status).toBe(409);
    expect((await post(stranger, taskId, 'claim')).status).toBe(404);

    const released = await post(winner, taskId, 'release');
    expect(released.status).toBe(200);
    expect(released.body.claimedBy).toBeNull();
    expect(await ids(loser, '?claimed=none&limit=100')).toContain(taskId);
    expect((await post(loser, taskId, 'decision', { outcome: 'approve' })).status).toBe(200);

    const events = (await history(t, applicationId)).filter((e) => ['claimed', 'released'].includes(e.type));
    expect(events.map((e) => [e.type, e.actor.id])).toEqual([
      ['claimed', winner.sub],
      ['released', winner.sub],
    ]);
    expect((await post(winner, taskId, 'claim')).status).toBe(409);
  });

  it('lets an admin release a claim held by an officer, and only one of two releases at once succeed', async () => {
    const { applicationId, taskId } = await openTask();
    expect((await post(alice, taskId, 'claim')).status).toBe(200);
    const replies = await Promise.all([post(ADMIN, taskId, 'release'), post(alice, taskId, 'release')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await t.request('GET', `/api/v1/tasks/${taskId}`, { as: alice })).body.claimedBy).toBeNull();
    expect((await history(t, applicationId)).filter((e) => e.type === 'released')).toHaveLength(1);
  });

  it('transfers a task to a named officer, who then holds it; of two transfers at once one wins', async () => {
    const { applicationId, taskId } = await openTask();
    const replies = await Promise.all([
      post(alice, taskId, 'transfer', { officer: 'carol', comment: 'Carol knows this street' }),
      post(bob, taskId, 'transfer', { officer: 'dave' }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const won = replies.find((r) => r.status === 200)!;
    const holder = won.body.claimedBy as string;
    expect(['carol', 'dave']).toContain(holder);
    const transferred = (await history(t, applicationId)).filter((e) => e.type === 'transferred');
    expect(transferred).toHaveLength(1);
    expect(transferred[0]!.detail).toMatchObject({ from: null, to: holder });

    // The new holder decides; the one who transferred it no longer may.
    const from = holder === 'carol' ? alice : bob;
    expect((await post(from, taskId, 'decision', { outcome: 'approve' })).status).toBe(409);
    const bad = await post(officer('permits', holder), taskId, 'transfer', {});
    expectProblemWithPaths(bad, 400);
    // A blank name would leave the task held by no one who could act on it.
    for (const name of ['   ', '\u200b\u2060']) {
      const blank = await post(officer('permits', holder), taskId, 'transfer', { officer: name });
      expectProblemWithPaths(blank, 400);
      expect(paths(blank)).toEqual(['$.officer']);
    }
    const decided = await post(officer('permits', holder), taskId, 'decision', { outcome: 'approve' });
    expect(decided.status).toBe(200);
    expect(decided.body.decidedByOfficer).toBe(holder);
    expect((await post(carol, taskId, 'transfer', { officer: 'bob' })).status).toBe(409);
  });

  it('raises the signatures required for this application only, never lowers them', async () => {
    const { applicationId, taskId } = await openTask();
    const other = await openTask();
    const raised = await post(alice, taskId, 'signers', { required: 3 });
    expect(raised.status).toBe(200);
    expect(raised.body.signoffRequired).toBe(3);
    expect(
      (await t.request('GET', `/api/v1/tasks/${other.taskId}`, { as: alice })).body.signoffRequired,
    ).toBe(1);

    const same = await Promise.all([
      post(alice, taskId, 'signers', { required: 4 }),
      post(bob, taskId, 'signers', { required: 4 }),
    ]);
    expect(same.map((r) => r.status).sort()).toEqual([200, 409]);
    const lower = await post(alice, taskId, 'signers', { required: 2 });
    expectProblemWithPaths(lower, 400);
    expect(lower.body.errors[0].path).toBe('$.required');
    expectProblemWithPaths(await post(alice, taskId, 'signers', { required: 1 }), 400);

    for (const [i, who] of [alice, bob, carol].entries()) {
      const signed = await post(who, taskId, 'decision', { outcome: 'approve' });
      expect(signed.status).toBe(200);
      expect(signed.body).toMatchObject({ status: 'open', signoffRequired: 4 });
      expect(signed.body.signoffs).toHaveLength(i + 1);
    }
    const fourth = await post(officer('permits', 'dave'), taskId, 'decision', { outcome: 'approve' });
    expect(fourth.body.status).toBe('approved');
    const added = (await history(t, applicationId)).filter((e) => e.type === 'signers_added');
    expect(added.map((e) => [e.detail.from, e.detail.required])).toEqual([
      [1, 3],
      [3, 4],
    ]);
  });

  it('lets only the holder of a claimed task raise its signatures, as only the holder decides it', async () => {
    const { applicationId, taskId } = await openTask();
    expect((await post(alice, taskId, 'transfer', { officer: 'carol' })).status).toBe(200);
    // The officer who handed it on, and any colleague, no longer change what the holder's approval does.
    expectProblemWithPaths(await post(alice, taskId, 'signers', { required: 2 }), 409);
    expectProblemWithPaths(await post(bob, taskId, 'signers', { required: 2 }), 409);
    const raised = await post(carol, taskId, 'signers', { required: 2 });
    expect(raised.status).toBe(200);
    expect(raised.body.signoffRequired).toBe(2);
    const added = (await history(t, applicationId)).filter((e) => e.type === 'signers_added');
    expect(added.map((e) => e.actor.id)).toEqual(['carol']);
  });

  it('makes countersignatures sign for the values the first signature produced, not their own', async () => {
    const applicationId = await submitApplication(t, 'toolbox-joint', { note: 'x' });
    const taskId = (await inboxTask(t, 'permits', applicationId)).id as string;
    const approve = (as: Caller, licenceNo: string) =>
      post(as, taskId, 'decision', { outcome: 'approve', produces: { licenceNo } });
    expect((await approve(alice, 'L-1')).status).toBe(200);
    const other = await approve(bob, 'L-2');
    expectProblemWithPaths(other, 409);
    expect(other.body.detail).toMatch(/other values than the first signature/);
    const same = await approve(bob, 'L-1');
    expect(same.body).toMatchObject({ status: 'approved', decidedByOfficer: 'bob' });
    const view = await t.request('GET', `/api/v1/applications/${applicationId}`, { as: ann });
    expect(view.body.produced).toEqual({ licenceNo: 'L-1' });
  });

  it('bounds the claims, releases and transfers officers make of one task; an admin frees it, the holder decides it', async () => {
    const { applicationId, taskId } = await openTask();
    for (let i = 0; i < 50; i++) {
      expect((await post(alice, taskId, 'claim')).status).toBe(200);
      expect((await post(alice, taskId, 'release')).status).toBe(200);
    }
    const refused = await post(bob, taskId, 'claim');
    expectProblemWithPaths(refused, 409);
    expect(refused.body.detail).toMatch(/100 claims, releases and transfers/);
    const handed = await post(ADMIN, taskId, 'transfer', { officer: 'carol' });
    expect(handed.body.claimedBy).toBe('carol');
    expect((await post(carol, taskId, 'decision', { outcome: 'approve' })).body.status).toBe('approved');
    const acts = (await history(t, applicationId)).filter((e) =>
      ['claimed', 'released', 'transferred'].includes(e.type),
    );
    expect(acts).toHaveLength(101);
  });

  it('answers 409 to toolbox calls on a task that is no longer open, also from the officer who held it', async () => {
    const { taskId } = await openTask();
    expect((await post(alice, taskId, 'claim')).status).toBe(200);
    const decided = await post(alice, taskId, 'decision', { outcome: 'approve' });
    expect(decided.status).toBe(200);
    // The decided task still names who held it; holding it once is no leave to claim it again.
    expect(decided.body.claimedBy).toBe(alice.sub);
    for (const as of [alice, bob]) {
      for (const [action, body] of [
        ['claim', undefined],
        ['release', undefined],
        ['transfer', { officer: 'carol' }],
        ['signers', { required: 2 }],
      ] as const) {
        expectProblemWithPaths(await post(as, taskId, action, body), 409);
      }
    }
  });

  it('documents every new call in the OpenAPI document, with its typed view and its problems', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    const ref = (op: any, status: string, media = 'application/json') =>
      op.responses[status].content[media].schema.$ref as string;
    for (const action of ['claim', 'release', 'transfer', 'signers']) {
      const op = doc.paths[`/api/v1/tasks/{id}/${action}`].post;
      expect(ref(op, '200')).toBe('#/components/schemas/TaskViewDto');
      expect(ref(op, '409', 'application/problem+json')).toBe('#/components/schemas/ProblemDto');
    }
    const resubmit = doc.paths['/api/v1/applications/{id}/resubmit'].post;
    expect(ref(resubmit, '200')).toBe('#/components/schemas/ApplicationViewDto');
    expect(resubmit.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(doc.components.schemas.TaskViewDto.properties).toHaveProperty('claimedBy');
    expect(doc.components.schemas.ApplicationViewDto.properties).toHaveProperty('waitingForApplicant');
    expect(doc.components.schemas.DecisionDto.properties.outcome.enum).toContain('return');
  });
});
