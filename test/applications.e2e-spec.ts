import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { ADMIN, applicant, FIXTURES, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const data = {
  applicant: { name: 'Ann Li', idNumber: '11010119900307123X' },
  address: '1 Long Street',
  seats: 12,
  sellsAlcohol: false,
};

describe('an application from submission to approval', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
  });
  afterAll(async () => {
    await t.close();
  });

  async function openTask(department: string, applicationId: string) {
    const inbox = await t.request('GET', '/api/v1/tasks', { as: officer(department) });
    expect(inbox.status).toBe(200);
    const task = inbox.body.items.find((i: { applicationId: string }) => i.applicationId === applicationId);
    expect(task).toBeDefined();
    return task as { id: string };
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
});
