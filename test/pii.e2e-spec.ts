import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PurgeService } from '../src/hygiene/purge.service.js';
import { registerWorkflow, submitApplication } from './support/helpers.js';
import { PERSON_SCHEMA } from './support/pii-fixtures.js';
import { ADMIN, applicant, officer, PII_TEST_KEYRING, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const NAME = 'Ann Zhang-Piiwatch';
const ID_NUMBER = '110101199003074514';
const PHONE = '13800138000';
const NEW_PHONE = '13900139000';
const PLAINTEXT = [NAME, ID_NUMBER, PHONE, NEW_PHONE];
const DAY_MS = 86_400_000;
const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

/**
 * Identity on `police` (granted the name and identity number), seats on `fire` (granted seats alone), and a step
 * approved by a rule that reads the identity number: the rule sees the clear value, its history entry the mask.
 */
const definition = {
  key: 'pii-permit',
  name: 'Permit with personal data',
  form: {
    type: 'object',
    required: ['applicant', 'phone', 'seats'],
    properties: {
      applicant: PERSON_SCHEMA,
      phone: { type: 'string', 'x-pii': true },
      seats: { type: 'integer' },
    },
  },
  steps: [
    {
      id: 'identity',
      name: 'Identity',
      department: 'police',
      timeLimit: { hours: 1 },
      fields: ['applicant.name', 'applicant.idNumber', 'phone'],
    },
    { id: 'fire', name: 'Fire', department: 'fire', timeLimit: { hours: 1 }, fields: ['seats'] },
    {
      id: 'registry',
      name: 'Registry',
      department: 'registry',
      timeLimit: { hours: 1 },
      autoApprove: { '!!': [{ var: 'applicant.idNumber' }] },
    },
  ],
};
const data = { applicant: { name: NAME, idNumber: ID_NUMBER, age: 30 }, phone: PHONE, seats: 12 };

describe('personal data at rest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
    await registerWorkflow(t, definition);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Every column of every table this application touches, as text, that holds one of the clear values. */
  const plaintextAt = async (id: string) => {
    const rows = await t.query<{ source: string; text: string }>(
      `SELECT 'applications' AS source, a::text AS text FROM applications a WHERE id = $1
       UNION ALL SELECT 'history', h::text FROM history h WHERE application_id = $1
       UNION ALL SELECT 'tasks', k::text FROM tasks k WHERE application_id = $1
       UNION ALL SELECT 'idempotency_keys', i::text FROM idempotency_keys i`,
      [id],
    );
    return rows.filter((r) => PLAINTEXT.some((p) => r.text.includes(p))).map((r) => r.source);
  };
  const taskOf = async (department: string, id: string) => {
    const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer(department) });
    return inbox.body.items.find((i: { applicationId: string }) => i.applicationId === id);
  };

  it('stores the marked values sealed, with the key id, and nothing of them in the clear anywhere', async () => {
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'pii-permit', data },
      headers: { 'idempotency-key': 'pii-once' },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body.data).toEqual(data);
    const id = submitted.body.id as string;
    const [row] = await t.query<{ data: any; pii_key: any }>(
      'SELECT data, pii_key FROM applications WHERE id = $1',
      [id],
    );
    expect(row!.pii_key).toMatchObject({ kid: PII_TEST_KEYRING.active });
    expect(row!.pii_key.key).toEqual(expect.any(String));
    expect(row!.data.applicant.name.$pii).toMatch(/^v1\./);
    expect(row!.data.applicant.idNumber.$pii).toMatch(/^v1\./);
    expect(row!.data.phone.$pii).toMatch(/^v1\./);
    expect(row!.data.applicant.age).toBe(30);
    expect(row!.data.seats).toBe(12);
    expect(await plaintextAt(id)).toEqual([]);
    // The replay of the idempotent submission is the first answer, opened again.
    const replay = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'pii-permit', data },
      headers: { 'idempotency-key': 'pii-once' },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(submitted.body);
  });

  it('opens them for the applicant and the granted department; admins and other departments see the mask', async () => {
    const id = await submitApplication(t, 'pii-permit', data);
    expect((await t.request('GET', `/api/v1/applications/${id}`, { as: ann })).body.data).toEqual(data);
    const asAdmin = await t.request('GET', `/api/v1/applications/${id}`, { as: ADMIN });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.data).toEqual({
      applicant: { name: '***', idNumber: '***', age: 30 },
      phone: '***',
      seats: 12,
    });
    const listed = await t.request('GET', '/api/v1/applications?limit=100', { as: ADMIN });
    const item = listed.body.items.find((i: { id: string }) => i.id === id);
    expect(item.data.applicant.idNumber).toBe('***');
    // Another applicant does not learn the application exists.
    expect((await t.request('GET', `/api/v1/applications/${id}`, { as: applicant('bob') })).status).toBe(404);

    const police = await taskOf('police', id);
    expect(police.data).toEqual({ applicant: { name: NAME, idNumber: ID_NUMBER }, phone: PHONE });
    const fire = await taskOf('fire', id);
    expect(fire.data).toEqual({ seats: 12 });
    expect((await t.request('GET', `/api/v1/tasks/${police.id}`, { as: officer('fire') })).status).toBe(404);
    const policeAsAdmin = await t.request('GET', `/api/v1/tasks/${police.id}`, { as: ADMIN });
    expect(policeAsAdmin.body.data).toEqual({ applicant: { name: '***', idNumber: '***' }, phone: '***' });

    // The rule read the clear identity number and held; its history entry keeps the mask.
    const history = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
    const rule = history.body.events.find((e: any) => e.type === 'rule_approved');
    expect(rule.detail.result).toBe(true);
    expect(rule.detail.read).toEqual({ 'applicant.idNumber': '***' });
    expect(history.body.chain.valid).toBe(true);
    expect(await plaintextAt(id)).toEqual([]);
  });

  it('keeps a corrected value sealed under the same key', async () => {
    const id = await submitApplication(t, 'pii-permit', data);
    const [before] = await t.query<{ pii_key: any }>('SELECT pii_key FROM applications WHERE id = $1', [id]);
    const fire = await taskOf('fire', id);
    const approved = await t.request('POST', `/api/v1/tasks/${fire.id}/decision`, {
      as: officer('fire'),
      body: { outcome: 'approve' },
    });
    expect(approved.status).toBe(200);
    const police = await taskOf('police', id);
    const returned = await t.request('POST', `/api/v1/tasks/${police.id}/decision`, {
      as: officer('police'),
      body: { outcome: 'return', comment: 'Wrong phone', fields: ['phone'] },
    });
    expect(returned.status).toBe(200);
    const resubmitted = await t.request('POST', `/api/v1/applications/${id}/resubmit`, {
      as: ann,
      body: { data: { phone: NEW_PHONE } },
    });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body.data.phone).toBe(NEW_PHONE);
    const [after] = await t.query<{ data: any; pii_key: any }>(
      'SELECT data, pii_key FROM applications WHERE id = $1',
      [id],
    );
    expect(after!.data.phone.$pii).toMatch(/^v1\./);
    expect(after!.pii_key.kid).toBe(before!.pii_key.kid);
    expect((await taskOf('police', id)).data.phone).toBe(NEW_PHONE);
    expect(await plaintextAt(id)).toEqual([]);
  });

  it('rotates keys without downtime, then erases decided applications past retention with every chain intact', async () => {
    const old = await submitApplication(t, 'pii-permit', data);
    const k2 = { id: 'k2', key: randomBytes(32) };
    const during = { active: k2.id, keys: { ...PII_TEST_KEYRING.keys, [k2.id]: k2.key } };
    // A second process on the same database, configured with the new active key beside the old one.
    const rotated = await TestApp.start({
      databaseUrl: t.databaseUrl,
      // An API process: no purge runs at its start, so the rotation is seen half done first.
      config: { processRole: 'api', pii: { keyring: during, retentionDays: 30 } },
    });
    try {
      expect((await rotated.request('GET', `/api/v1/applications/${old}`, { as: ann })).body.data).toEqual(
        data,
      );
      const fresh = await submitApplication(rotated, 'pii-permit', data);
      const kid = async (id: string) =>
        (
          await t.query<{ kid: string }>(`SELECT pii_key->>'kid' AS kid FROM applications WHERE id = $1`, [
            id,
          ])
        )[0]!.kid;
      expect(await kid(fresh)).toBe('k2');
      expect(await kid(old)).toBe(PII_TEST_KEYRING.active);

      // The operator's command finishes the rotation beside the running processes.
      const { stdout } = await run(
        process.execPath,
        ['--import', './scripts/register-ts.mjs', 'scripts/pii-rotate.ts'],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: t.databaseUrl,
            PII_KEYS: Object.entries(during.keys)
              .map(([id, key]) => `${id}:${key.toString('base64')}`)
              .join(','),
            PII_ACTIVE_KEY: 'k2',
          },
        },
      );
      const report = JSON.parse(stdout) as { rewrapped: number; keys: Record<string, number> };
      expect(report.rewrapped).toBeGreaterThanOrEqual(3);
      expect(Object.keys(report.keys)).toEqual(['k2']);
      const kids = await t.query<{ kid: string }>(
        `SELECT DISTINCT pii_key->>'kid' AS kid FROM applications WHERE pii_key IS NOT NULL`,
      );
      expect(kids).toEqual([{ kid: 'k2' }]);

      // The old key can go: a process with only the new one reads everything.
      const onlyNew = await TestApp.start({
        databaseUrl: t.databaseUrl,
        config: {
          processRole: 'api',
          pii: { keyring: { active: 'k2', keys: { k2: k2.key } }, retentionDays: 30 },
        },
      });
      try {
        expect((await onlyNew.request('GET', `/api/v1/applications/${old}`, { as: ann })).body.data).toEqual(
          data,
        );

        // Withdrawn is decided: 31 days later its personal data is erased, and only that.
        expect(
          (await onlyNew.request('POST', `/api/v1/applications/${old}/withdraw`, { as: ann })).status,
        ).toBe(200);
        expect((await onlyNew.request('POST', '/api/v1/audit/checkpoints', { as: ADMIN })).status).toBe(201);
        const etag = (await onlyNew.request('GET', `/api/v1/applications/${old}`, { as: ann })).headers.get(
          'etag',
        );
        const later = await onlyNew.app.get(PurgeService).purge(new Date(Date.now() + 31 * DAY_MS));
        expect(later.erased).toBeGreaterThanOrEqual(1);
        const [row] = await t.query<{ data: any; pii_key: unknown; pii_erased_at: Date | null }>(
          'SELECT data, pii_key, pii_erased_at FROM applications WHERE id = $1',
          [old],
        );
        expect(row!.pii_key).toBeNull();
        expect(row!.pii_erased_at).not.toBeNull();
        expect(row!.data).toEqual({
          applicant: { name: { $pii: null }, idNumber: { $pii: null }, age: 30 },
          phone: { $pii: null },
          seats: 12,
        });
        const view = await onlyNew.request('GET', `/api/v1/applications/${old}`, { as: ann });
        expect(view.headers.get('etag')).not.toBe(etag);
        expect(view.body.data).toEqual({
          applicant: { name: '***', idNumber: '***', age: 30 },
          phone: '***',
          seats: 12,
        });
        // The application still in review keeps its data.
        expect(
          (await onlyNew.request('GET', `/api/v1/applications/${fresh}`, { as: ann })).body.data,
        ).toEqual(data);
        const history = await onlyNew.request('GET', `/api/v1/applications/${old}/history`, { as: ann });
        expect(history.body.chain).toMatchObject({ valid: true, matchesCheckpoint: true });
        const verify = await onlyNew.request('GET', '/api/v1/audit/verify', { as: ADMIN });
        expect(verify.status).toBe(200);
        expect(verify.body).toMatchObject({ failed: [], failedCheckpoints: [] });
        expect(verify.body.checked).toBeGreaterThanOrEqual(4);
      } finally {
        await onlyNew.close();
      }
    } finally {
      await rotated.close();
    }
  });

  it('seals a value an applicant shaped like an envelope as any other value, so every read and decision still works', async () => {
    await registerWorkflow(t, {
      key: 'pii-whole',
      name: 'A personal object marked as a whole',
      form: {
        type: 'object',
        required: ['owner'],
        properties: { owner: { type: 'object', 'x-pii': true } },
      },
      steps: [{ id: 'review', name: 'Review', department: 'pii-whole', timeLimit: { hours: 1 } }],
    });
    const forged = { owner: { $pii: 'v1.x.y.z' } };
    const submitted = await t.request('POST', '/api/v1/applications', {
      as: ann,
      body: { workflow: 'pii-whole', data: forged },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    const [row] = await t.query<{ data: any }>('SELECT data FROM applications WHERE id = $1', [id]);
    expect(row!.data.owner.$pii).not.toBe('v1.x.y.z');

    const read = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual(forged);
    const inbox = await t.request('GET', '/api/v1/tasks', { as: officer('pii-whole') });
    expect(inbox.status).toBe(200);
    const task = inbox.body.items.find((i: { applicationId: string }) => i.applicationId === id);
    const decided = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer('pii-whole'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
  });

  it('refuses a definition marking a field the engine could not seal', async () => {
    const reply = await t.request('POST', '/api/v1/workflows', {
      as: ADMIN,
      body: {
        ...definition,
        key: 'pii-misplaced',
        form: {
          type: 'object',
          properties: { people: { type: 'array', items: { type: 'string', 'x-pii': true } } },
        },
        steps: [{ id: 'one', name: 'One', department: 'd', timeLimit: { hours: 1 } }],
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toContain(
      '$.form.properties.people.items.x-pii',
    );
  });

  it('refuses a personal field named with a dot, which would be found by no path and so never sealed', async () => {
    const reply = await t.request('POST', '/api/v1/workflows', {
      as: ADMIN,
      body: {
        ...definition,
        key: 'pii-dotted',
        form: { type: 'object', properties: { 'id.number': { type: 'string', 'x-pii': true } } },
        steps: [{ id: 'one', name: 'One', department: 'd', timeLimit: { hours: 1 } }],
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      { path: '$.form.properties["id.number"]', message: expect.stringMatching(/^must not contain '\.'/) },
    ]);
  });
});
