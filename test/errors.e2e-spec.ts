import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  expectProblemWithPaths as expectProblem,
  paths,
  registerWorkflow,
  rowCounts,
  simpleWorkflow,
  submitApplication,
  taskIds,
} from './support/helpers.js';
import { ADMIN, applicant, FIXTURES, officer, TestApp } from './support/test-app.js';

const ann = applicant('ann');
const licenceOfficer = officer('market-regulation');
const fireOfficer = officer('fire-rescue');
const data = () => ({
  applicant: { name: 'Ann Li', idNumber: '11010119900307123X' },
  address: '1 Long Street',
  seats: 12,
  sellsAlcohol: false,
});

describe('bad input of every kind', () => {
  let t: TestApp;
  let applicationId: string;
  let licenceTask: string;
  let fireTask: string;

  const counts = () =>
    rowCounts(t, ['applications', 'tasks', 'history', 'idempotency_keys', 'workflow_versions']);

  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
    applicationId = await submitApplication(t, 'shop-permit', data(), ann);
    const tasks = await taskIds(t, applicationId);
    [licenceTask, fireTask] = [tasks.licence!, tasks.fire!];
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the body itself', () => {
    it('answers malformed JSON with 400 problem+json', async () => {
      for (const rawBody of ['{"workflow": "shop-permit", "data": {', '{workflow: 1}', "{'a': 1}", '']) {
        const reply = await t.request('POST', '/api/v1/applications', { as: ann, rawBody });
        expectProblem(reply, 400);
      }
      const decision = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: fireOfficer,
        rawBody: '{"outcome": "approve",}',
      });
      expectProblem(decision, 400);
    });

    it('answers a body over the default 1 MB limit with 413', async () => {
      const big = { workflow: 'shop-permit', data: { ...data(), notes: 'x'.repeat(1_500_000) } };
      const reply = await t.request('POST', '/api/v1/applications', { as: ann, body: big });
      expectProblem(reply, 413);
      // Just under the limit is parsed (and then judged on its content, not its size); each string stays under
      // JSON_MAX_STRING_LENGTH.
      const notes = Array.from({ length: 9 }, () => 'x'.repeat(99_000));
      const fits = { workflow: 'shop-permit', data: { ...data(), notes } };
      const accepted = await t.request('POST', '/api/v1/applications', { as: ann, body: fits });
      expect(accepted.status).toBe(201);
    });

    it('names every unknown property of a submission', async () => {
      const reply = await t.request('POST', '/api/v1/applications', {
        as: ann,
        body: { workflow: 'shop-permit', data: data(), priority: 'high', applicantId: 'bob' },
      });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual(expect.arrayContaining(['$.priority', '$.applicantId']));
    });

    it('names a member named like one every object inherits, in an envelope, its free-form data and a query', async () => {
      const bodies: [string, string][] = [
        ['{"workflow":"shop-permit","data":{},"constructor":{"prototype":{}}}', '$.constructor'],
        ['{"workflow":"shop-permit","data":{},"toString":1}', '$.toString'],
        ['{"__proto__":{"role":"admin"},"workflow":"shop-permit","data":{}}', '$.__proto__'],
        ['{"workflow":"shop-permit","data":{"__proto__":{"seats":1}}}', '$.data.__proto__'],
      ];
      for (const [rawBody, path] of bodies) {
        const reply = await t.request('POST', '/api/v1/applications', { as: ann, rawBody });
        expectProblem(reply, 400);
        expect(paths(reply)).toEqual([path]);
      }
      const decision = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: fireOfficer,
        rawBody: '{"outcome":"approve","hasOwnProperty":true}',
      });
      expect(paths(decision)).toEqual(['$.hasOwnProperty']);
      const inbox = await t.request('GET', '/api/v1/tasks?valueOf=1', { as: fireOfficer });
      expectProblem(inbox, 400);
      expect(paths(inbox)).toEqual(['$.valueOf']);
    });

    it('names an unknown property of a decision', async () => {
      const reply = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: fireOfficer,
        body: { outcome: 'approve', officer: 'someone-else' },
      });
      expectProblem(reply, 400);
      expect(paths(reply)).toContain('$.officer');
    });
  });

  describe('submissions', () => {
    it('lists every violation of the form schema with its path', async () => {
      const reply = await t.request('POST', '/api/v1/applications', {
        as: ann,
        body: {
          workflow: 'shop-permit',
          data: { applicant: { name: 'Ann Li', idNumber: '123' }, seats: -3, sellsAlcohol: 'yes' },
        },
      });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual(
        expect.arrayContaining([
          '$.data.applicant.idNumber', // pattern
          '$.data.seats', // minimum
          '$.data.address', // required, missing
          '$.data.sellsAlcohol', // type
        ]),
      );
    });

    it('rejects a submission without workflow or data, naming both', async () => {
      const reply = await t.request('POST', '/api/v1/applications', { as: ann, body: {} });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual(expect.arrayContaining(['$.workflow', '$.data']));
      const notObject = await t.request('POST', '/api/v1/applications', {
        as: ann,
        body: { workflow: 'shop-permit', data: ['not', 'an', 'object'] },
      });
      expectProblem(notObject, 400);
      expect(paths(notObject)).toContain('$.data');
    });

    it('answers 404 for an unknown workflow, whatever its key looks like, and 400 for one that is no string or holds a NUL', async () => {
      for (const workflow of ['no-such-workflow', 'x', 'Not A Key', 'Ünïcode', 'k'.repeat(5000)]) {
        const reply = await t.request('POST', '/api/v1/applications', {
          as: ann,
          body: { workflow, data: data() },
        });
        expectProblem(reply, 404);
        // A string no key could be is not echoed: it may be anything a client sent.
        if (workflow !== 'no-such-workflow') expect(reply.body.detail).not.toContain(workflow);
      }
      // A NUL no database could store is refused as hostile input, wherever it is sent.
      for (const workflow of [42, null, ['shop-permit'], 'a\u0000b']) {
        const reply = await t.request('POST', '/api/v1/applications', {
          as: ann,
          body: { workflow, data: data() },
        });
        expectProblem(reply, 400);
        expect(paths(reply)).toContain('$.workflow');
      }
    });

    it('leaves no trace of a rejected submission', async () => {
      const before = await counts();
      const invalid = await t.request('POST', '/api/v1/applications', {
        as: ann,
        headers: { 'idempotency-key': 'rejected-submit-1' },
        body: { workflow: 'shop-permit', data: { ...data(), seats: 'many' } },
      });
      expectProblem(invalid, 400);
      const unknown = await t.request('POST', '/api/v1/applications', {
        as: ann,
        headers: { 'idempotency-key': 'rejected-submit-2' },
        body: { workflow: 'no-such-workflow', data: data() },
      });
      expectProblem(unknown, 404);
      expect(await counts()).toEqual(before);
    });
  });

  describe('decisions', () => {
    it('rejects an outcome that is not one of the allowed ones', async () => {
      for (const outcome of ['maybe', 'APPROVE', '', 1, null]) {
        const reply = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
          as: fireOfficer,
          body: { outcome },
        });
        expectProblem(reply, 400);
        expect(paths(reply)).toContain('$.outcome');
      }
      const missing = await t.request('POST', `/api/v1/tasks/${fireTask}/decision`, {
        as: fireOfficer,
        body: { comment: 'fine' },
      });
      expectProblem(missing, 400);
      expect(paths(missing)).toContain('$.outcome');
    });

    it('requires a produced value named like an inherited member, in a workflow stored before such names were refused', async () => {
      await registerWorkflow(
        t,
        simpleWorkflow(
          'inherited-name',
          [{ id: 'one', timeLimit: { hours: 1 }, produces: ['licenceNo'] }],
          () => 'fire-rescue',
        ),
      );
      // As an older version of the service stored it: registration now refuses this name.
      await t.query(
        `UPDATE workflow_versions SET definition = jsonb_set(definition, '{steps,0,produces}', '["toString"]')
         WHERE key = 'inherited-name'`,
      );
      const id = await submitApplication(t, 'inherited-name', {}, ann);
      const { one } = await taskIds(t, id);
      const reply = await t.request('POST', `/api/v1/tasks/${one}/decision`, {
        as: fireOfficer,
        body: { outcome: 'approve' },
      });
      expectProblem(reply, 400);
      expect(paths(reply)).toEqual(['$.produces.toString']);
    });

    it('requires every declared produces value on an approval and refuses undeclared ones', async () => {
      const missing = await t.request('POST', `/api/v1/tasks/${licenceTask}/decision`, {
        as: licenceOfficer,
        body: { outcome: 'approve' },
      });
      expectProblem(missing, 400);
      expect(paths(missing)).toContain('$.produces.licenceNo');

      const unknown = await t.request('POST', `/api/v1/tasks/${licenceTask}/decision`, {
        as: licenceOfficer,
        body: { outcome: 'approve', produces: { licenceNo: 'L-1', discount: 10 } },
      });
      expectProblem(unknown, 400);
      expect(paths(unknown)).toContain('$.produces.discount');
      expect(paths(unknown)).not.toContain('$.produces.licenceNo');

      const both = await t.request('POST', `/api/v1/tasks/${licenceTask}/decision`, {
        as: licenceOfficer,
        body: { outcome: 'approve', produces: { discount: 10 } },
      });
      expectProblem(both, 400);
      expect(paths(both)).toEqual(expect.arrayContaining(['$.produces.licenceNo', '$.produces.discount']));
    });

    it('leaves no trace of a rejected decision', async () => {
      const before = await counts();
      const [application] = await t.query<{ revision: number; produced: unknown }>(
        'SELECT revision, produced FROM applications WHERE id = $1',
        [applicationId],
      );
      const reply = await t.request('POST', `/api/v1/tasks/${licenceTask}/decision`, {
        as: licenceOfficer,
        headers: { 'idempotency-key': 'rejected-decision' },
        body: { outcome: 'approve', produces: { licenceNo: 'L-9', discount: 10 } },
      });
      expectProblem(reply, 400);
      expect(await counts()).toEqual(before);
      const [after] = await t.query<{ revision: number; produced: unknown }>(
        'SELECT revision, produced FROM applications WHERE id = $1',
        [applicationId],
      );
      expect(after).toEqual(application);
      const task = await t.request('GET', `/api/v1/tasks/${licenceTask}`, { as: licenceOfficer });
      expect(task.body.status).toBe('open');
      expect(task.body.signoffs).toEqual([]);

      // The key was not kept: a corrected retry under the same key is a fresh request, not a 409.
      const retry = await t.request('POST', `/api/v1/tasks/${licenceTask}/decision`, {
        as: licenceOfficer,
        headers: { 'idempotency-key': 'rejected-decision' },
        body: { outcome: 'approve', produces: { licenceNo: 'L-9' } },
      });
      expect(retry.status).toBe(200);
      expect(retry.body.status).toBe('approved');
    });
  });

  describe('query parameters', () => {
    const cases: [string, string][] = [
      ['status=nope', '$.status'],
      ['limit=0', '$.limit'],
      ['limit=1000', '$.limit'],
      ['limit=ten', '$.limit'],
      ['cursor=garbage', '$.cursor'],
      ['status=in_review&status=approved', '$.status'],
    ];

    it('names the bad parameter on the application list', async () => {
      for (const [query, path] of cases) {
        const reply = await t.request('GET', `/api/v1/applications?${query}`, { as: ann });
        expectProblem(reply, 400);
        expect(paths(reply)).toContain(path);
      }
    });

    it('names the bad parameter on the task inbox', async () => {
      const inboxCases: [string, string][] = [
        ...cases.filter(([q]) => !q.startsWith('status=in_review')),
        ['overdue=perhaps', '$.overdue'],
        // "1" read as not "true" listed the tasks that are not overdue: only the words are taken.
        ['overdue=1', '$.overdue'],
        ['rulePending=0', '$.rulePending'],
        ['workflow=Not A Key', '$.workflow'],
      ];
      for (const [query, path] of inboxCases) {
        const reply = await t.request('GET', `/api/v1/tasks?${query.replace(/ /g, '%20')}`, {
          as: fireOfficer,
        });
        expectProblem(reply, 400);
        expect(paths(reply)).toContain(path);
      }
    });

    it('judges every request afresh: a refused query or body is refused each time, between accepted ones', async () => {
      const inbox = (query: string) => t.request('GET', `/api/v1/tasks?${query}`, { as: fireOfficer });
      const decide = (body: Record<string, unknown>) =>
        t.request('POST', `/api/v1/tasks/${fireTask}/decision`, { as: fireOfficer, body });
      for (let round = 0; round < 3; round++) {
        expect((await inbox('status=open&limit=5')).status).toBe(200);
        const bad = await inbox('status=open&limit=0');
        expectProblem(bad, 400);
        expect(paths(bad)).toEqual(['$.limit']);
        expectProblem(await inbox('status=open&limit=5&extra=1'), 400);
        const unknown = await decide({ outcome: 'reject', comment: 'no', extra: true });
        expectProblem(unknown, 400);
        expect(paths(unknown)).toContain('$.extra');
        const long = await decide({ outcome: 'reject', comment: 'x'.repeat(2001) });
        expectProblem(long, 400);
        expect(paths(long)).toEqual(['$.comment']);
      }
      const task = await t.request('GET', `/api/v1/tasks/${fireTask}`, { as: fireOfficer });
      expect(task.body.status).toBe('open');
    });

    it('refuses a forged cursor of the right shape', async () => {
      const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
      const failures: string[] = [];
      for (const values of [
        ['not-a-date', 'not-a-uuid'],
        ['2026-01-01T00:00:00.000Z', 'not-a-uuid'],
        [1, 2],
        ['', ''],
      ]) {
        for (const [path, caller] of [
          ['/api/v1/applications', ann],
          ['/api/v1/tasks', fireOfficer],
        ] as const) {
          const reply = await t.request('GET', `${path}?cursor=${forged(values)}`, { as: caller });
          const named = Array.isArray(reply.body?.errors) && paths(reply).includes('$.cursor');
          if (reply.status !== 400 || !named)
            failures.push(`${path} ${JSON.stringify(values)}: ${reply.status}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });

  describe('nothing a client sends gives a 500', () => {
    const depth = 20_000;
    const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const deepArray = '['.repeat(depth) + ']'.repeat(depth);
    const odd: string[] = [
      '[]',
      '[{"workflow":"shop-permit"}]',
      'null',
      '0',
      '-1e999',
      '1e400',
      '"just a string"',
      'true',
      '{}',
      deep,
      deepArray,
      `{"workflow":"shop-permit","data":${deep}}`,
      `{"outcome":"approve","produces":${deep}}`,
      `{"key":"deep-one","name":"Deep","form":${deep},"steps":${deepArray}}`,
      '{"__proto__":{"role":"admin"},"workflow":"shop-permit","data":{}}',
      '{"workflow":"shop-permit","data":{"__proto__":{"seats":1}}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"workflow":"shop-permit","data":{"applicant":{"name":"Ann","idNumber":"11010119900307123X"},"address":"1 Long Street","seats":123456789012345678901234567890}}',
      '{"workflow":"shop-permit","data":{"applicant":{"name":"Ann","idNumber":"11010119900307123X"},"address":"1 Long Street","seats":1e308}}',
      '{"workflow":"shop-permit","data":{"applicant":{"name":"A\\u0000B","idNumber":"11010119900307123X"},"address":"1 Long Street","seats":1}}',
      '{"workflow":"shop-permit","data":{"applicant":{"name":"\\ud800","idNumber":"11010119900307123X"},"address":"1 Long Street","seats":1}}',
      '{"workflow":"shop-permit\\u0000","data":{}}',
      '{"workflow":123,"data":"x"}',
      '{"outcome":"reject","comment":"bad\\u0000byte"}',
      '{"outcome":"approve","produces":{"licenceNo":"L\\u0000"}}',
      '{"outcome":"approve","produces":[1,2]}',
      '{"outcome":"approve","fields":[{"a":1}]}',
      '{"outcome":["approve"]}',
      '{"outcome":{"approve":true}}',
      '{"key":"nul-name","name":"N\\u0000L","form":{"type":"object"},"steps":[{"id":"one","name":"One","department":"d","timeLimit":{"hours":1}}]}',
      '{"key":"huge-limit","name":"Huge","form":{"type":"object"},"steps":[{"id":"one","name":"One","department":"d","timeLimit":{"hours":1e308}}]}',
      '{"key":"huge-signoff","name":"Huge","form":{"type":"object"},"steps":[{"id":"one","name":"One","department":"d","signoff":1e300,"timeLimit":{"hours":1}}]}',
      '{"key":"bad-form","name":"Bad","form":{"type":"nonsense","$ref":"http://example.com/x"},"steps":[{"id":"one","name":"One","department":"d","timeLimit":{"hours":1}}]}',
      '{"key":"bad-logic","name":"Bad","form":{"type":"object"},"steps":[{"id":"one","name":"One","department":"d","when":{"var":[[[]]]},"autoApprove":{"reduce":[1,2]},"timeLimit":{"hours":1}}]}',
      '{"key":"k","name":"n","form":{"type":"object"},"facts":{"__proto__":{"url":"http://127.0.0.1/"}},"steps":[]}',
    ];

    it('answers every odd body to submit, register and decide with a client error', async () => {
      // A task of its own, so that nothing in the loop can be mistaken for a decision on a task others use.
      const submitted = await t.request('POST', '/api/v1/applications', {
        as: applicant('fuzzer'),
        body: { workflow: 'shop-permit', data: data() },
      });
      const [task] = await t.query<{ id: string }>(
        `SELECT id FROM tasks WHERE application_id = $1 AND step = 'licence'`,
        [submitted.body.id],
      );
      const targets: [string, string, ReturnType<typeof officer>][] = [
        ['POST', '/api/v1/applications', applicant('fuzzer')],
        ['POST', '/api/v1/workflows', ADMIN],
        ['POST', '/api/v1/workflows/analyze', ADMIN],
        ['POST', `/api/v1/tasks/${task!.id}/decision`, licenceOfficer],
      ];
      const failures: string[] = [];
      for (const rawBody of odd) {
        for (const [method, path, caller] of targets) {
          const reply = await t.request(method, path, { as: caller, rawBody });
          if (reply.status >= 500) {
            failures.push(
              `${path} <- ${rawBody.slice(0, 120)}: ${reply.status} ${JSON.stringify(reply.body)}`,
            );
          }
        }
      }
      expect(failures).toEqual([]);
      const health = await t.request('GET', '/health');
      expect(health.status).toBe(200);
    });

    it('refuses a body that is not JSON as of an unsupported media type, naming the Content-Type header', async () => {
      const token = await t.token(ann);
      for (const [contentType, rawBody] of [
        ['text/plain', '{"workflow":"shop-permit","data":{}}'],
        ['application/xml', '<a/>'],
        ['application/x-www-form-urlencoded', 'workflow=shop-permit'],
      ] as const) {
        const reply = await t.request('POST', '/api/v1/applications', {
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
          rawBody,
        });
        expect({ contentType, status: reply.status }).toEqual({ contentType, status: 415 });
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(reply.body).toMatchObject({
          status: 415,
          errors: [{ path: '$.headers.content-type', message: 'must be application/json' }],
        });
      }
    });

    it('refuses a body in another charset or content coding with 415 naming the header, and bytes that are not UTF-8 with 400', async () => {
      const token = await t.token(ann);
      const send = async (headers: Record<string, string>, body: Uint8Array) => {
        const response = await fetch(`${t.baseUrl}/api/v1/applications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, ...headers },
          body,
        });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        return { status: response.status, body: (await response.json()) as { errors: unknown } };
      };
      const envelope = Buffer.from(JSON.stringify({ workflow: 'shop-permit', data: { address: 'Straße' } }));
      const latin1 = Buffer.from(
        JSON.stringify({ workflow: 'shop-permit', data: { address: 'Straße' } }),
        'latin1',
      );
      expect(await send({ 'content-type': 'application/json; charset=latin1' }, envelope)).toEqual({
        status: 415,
        body: expect.objectContaining({
          errors: [{ path: '$.headers.content-type', message: 'must be application/json in UTF-8' }],
        }),
      });
      expect(
        await send({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(envelope)),
      ).toEqual({
        status: 415,
        body: expect.objectContaining({
          errors: [
            { path: '$.headers.content-encoding', message: 'must be absent: send the body uncompressed' },
          ],
        }),
      });
      expect(await send({ 'content-type': 'application/json' }, latin1)).toEqual({
        status: 400,
        body: expect.objectContaining({ errors: [{ path: '$', message: 'is not valid UTF-8' }] }),
      });
      // UTF-8 by name, in either spelling, is read as before, and a leading byte-order mark is skipped (RFC 8259
      // allows it; it used to make the body malformed JSON): the form judges the data.
      for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf8"']) {
        expect((await send({ 'content-type': contentType }, envelope)).status).toBe(400);
      }
      const bom = await send(
        { 'content-type': 'application/json' },
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), envelope]),
      );
      expect(bom.body.errors).toEqual(
        expect.arrayContaining([{ path: '$.data.seats', message: expect.any(String) }]),
      );
    });

    it('answers odd headers and content types with a client error', async () => {
      const token = await t.token(ann);
      const attempts: { headers: Record<string, string>; rawBody?: string }[] = [
        { headers: { 'content-type': 'text/plain' }, rawBody: 'hello' },
        { headers: { 'content-type': 'application/xml' }, rawBody: '<a/>' },
        { headers: { 'content-type': 'application/json; charset=latin1' }, rawBody: '{}' },
        { headers: { 'content-type': 'application/json' }, rawBody: '\u0000' },
        { headers: { 'idempotency-key': ' ' }, rawBody: '{}' },
        { headers: { 'idempotency-key': 'x'.repeat(5000) }, rawBody: '{"workflow":"shop-permit","data":{}}' },
        { headers: { 'idempotency-key': 'é' }, rawBody: '{"workflow":"shop-permit","data":{}}' },
      ];
      for (const { headers, rawBody } of attempts) {
        const reply = await t.request('POST', '/api/v1/applications', {
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
          rawBody,
        });
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('with a configured body limit', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await TestApp.start({
        workflowsDir: join(FIXTURES, 'workflows'),
        config: { bodyLimitBytes: 1024 },
      });
    });
    afterAll(async () => {
      await small.close();
    });

    it('answers a body over BODY_LIMIT_BYTES with 413 and takes one under it', async () => {
      const over = { workflow: 'shop-permit', data: { ...data(), notes: 'x'.repeat(2000) } };
      expectProblem(await small.request('POST', '/api/v1/applications', { as: ann, body: over }), 413);
      const under = { workflow: 'shop-permit', data: { ...data(), notes: 'x'.repeat(200) } };
      expect((await small.request('POST', '/api/v1/applications', { as: ann, body: under })).status).toBe(
        201,
      );
      // The default app takes the same 2 kB body: the limit really is the configured one.
      expect((await t.request('POST', '/api/v1/applications', { as: ann, body: over })).status).toBe(201);
    });
  });
});
