import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { CheckpointScheduler } from '../src/audit/checkpoint.scheduler.js';
import { CheckpointService } from '../src/audit/checkpoint.service.js';
import { chainHash, GENESIS_HASH } from '../src/audit/hash-chain.util.js';
import { KEPT_SUBTREE, proofRanges, verifyInclusion } from '../src/audit/merkle.util.js';
import { eventually } from './support/eventually.js';
import {
  expectProblem,
  paths,
  registerWorkflow,
  simpleWorkflow,
  submitApplication,
} from './support/helpers.js';
import { ADMIN, applicant, AUDIT_SIGNING_KEY, officer, TestApp } from './support/test-app.js';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);
const ann = applicant('ann');
const REVIEW = 'audit-review';
const workflow = simpleWorkflow(
  'audit-permit',
  [{ id: 'review', timeLimit: { workingDays: 5 } }],
  () => REVIEW,
);

/** Canonical JSON written afresh here (keys sorted at every depth), as an outside verifier would. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a checkpoint signs: every field but its hash and signature. */
function statementOf(checkpoint: Record<string, unknown>): Buffer {
  const { hash: _hash, signature: _signature, ...statement } = checkpoint;
  return Buffer.from(canonical(statement), 'utf8');
}

const leafOf = (applicationId: string, seq: number, hash: string) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(`${applicationId}\n${seq}\n${hash}`)
    .digest('hex');

describe('audit: append-only history and signed checkpoints', () => {
  let t: TestApp;
  let publicKeyPem: string;

  beforeAll(async () => {
    t = await TestApp.start();
    await registerWorkflow(t, workflow);
    publicKeyPem = (await t.request('GET', '/api/v1/audit/public-key')).body.pem;
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = () => submitApplication(t, 'audit-permit', { note: 'n' });
  const checkpoint = async () => {
    const reply = await t.request('POST', '/api/v1/audit/checkpoints', { as: ADMIN });
    expect(reply.status).toBe(201);
    return reply.body;
  };
  const history = async (id: string) => {
    const reply = await t.request('GET', `/api/v1/applications/${id}/history`, { as: ann });
    expect(reply.status).toBe(200);
    return reply.body;
  };
  const approve = async (id: string) => {
    const inbox = await t.request('GET', '/api/v1/tasks?limit=100', { as: officer(REVIEW) });
    const task = inbox.body.items.find((i: { applicationId: string }) => i.applicationId === id);
    const reply = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
      as: officer(REVIEW),
      body: { outcome: 'approve' },
    });
    expect(reply.status).toBe(200);
  };
  const verifyReport = async () => {
    const reply = await t.request('GET', '/api/v1/audit/verify', { as: ADMIN });
    expect(reply.status).toBe(200);
    return reply.body;
  };

  describe('the database', () => {
    it('refuses UPDATE, DELETE and TRUNCATE of history rows', async () => {
      const id = await submit();
      await expect(
        t.query("UPDATE history SET type = 'forged' WHERE application_id = $1", [id]),
      ).rejects.toThrow('history is append-only: UPDATE refused');
      await expect(t.query('DELETE FROM history WHERE application_id = $1', [id])).rejects.toThrow(
        'history is append-only: DELETE refused',
      );
      await expect(t.query('TRUNCATE history')).rejects.toThrow('history is append-only: TRUNCATE refused');
      expect((await history(id)).chain.valid).toBe(true);
    });

    it('refuses changes to checkpoints and their leaves, and numbers history rows itself', async () => {
      await submit();
      await checkpoint();
      await expect(t.query("UPDATE audit_checkpoints SET root = 'x'")).rejects.toThrow(/append-only: UPDATE/);
      await expect(t.query('DELETE FROM audit_checkpoint_leaves')).rejects.toThrow(/append-only: DELETE/);
      // A stored subtree root is appended like the rest (a row of no checkpoint: nothing reads it).
      await t.query(`INSERT INTO audit_checkpoint_nodes VALUES (2147483647, 0, 64, 'x')`);
      await expect(t.query("UPDATE audit_checkpoint_nodes SET hash = 'y'")).rejects.toThrow(
        /append-only: UPDATE/,
      );
      await expect(t.query('DELETE FROM audit_checkpoint_nodes')).rejects.toThrow(/append-only: DELETE/);
      await expect(t.query('TRUNCATE audit_checkpoint_nodes')).rejects.toThrow(/append-only: TRUNCATE/);
      await expect(t.query('TRUNCATE audit_checkpoints CASCADE')).rejects.toThrow(/append-only: TRUNCATE/);
      // An id chosen by the writer is replaced by the next one of the sequence.
      const at = new Date().toISOString();
      const content = {
        seq: 1,
        at,
        actor: { role: 'system', id: 'probe' },
        type: 'probe',
        step: null,
        detail: {},
      };
      const [row] = await t.query(
        `INSERT INTO history (application_id, seq, at, actor_role, actor_id, type, detail, prev_hash, hash, id)
         VALUES (gen_random_uuid(), 1, $1, 'system', 'probe', 'probe', '{}', $2, $3, 1) RETURNING id`,
        [at, GENESIS_HASH, chainHash(GENESIS_HASH, content)],
      );
      expect(Number(row.id)).toBeGreaterThan(1);
    });
  });

  describe('the public key', () => {
    it('is served without a token, and is the public half of the signing key', async () => {
      const reply = await t.request('GET', '/api/v1/audit/public-key');
      expect(reply.status).toBe(200);
      expect(reply.body.algorithm).toBe('Ed25519');
      const expected = createPublicKey(createPrivateKey(AUDIT_SIGNING_KEY));
      expect(reply.body.pem).toBe(expected.export({ format: 'pem', type: 'spki' }));
      expect(reply.body.keyId).toBe(
        createHash('sha256')
          .update(expected.export({ format: 'der', type: 'spki' }))
          .digest('hex'),
      );
    });
  });

  describe('the OpenAPI document', () => {
    it('describes every audit call with its typed answer and error statuses, and the history’s new fields', async () => {
      const doc = (await t.request('GET', '/docs-json')).body;
      const responses = (path: string, method: string) => doc.paths[path][method].responses;
      // 429 (rate limits) and 503 (database down) can answer any call under /api/v1.
      expect(Object.keys(responses('/api/v1/audit/public-key', 'get')).sort()).toEqual(['200', '429', '503']);
      expect(Object.keys(responses('/api/v1/audit/checkpoints', 'get')).sort()).toEqual([
        '200',
        '400',
        '401',
        '429',
        '503',
      ]);
      expect(Object.keys(responses('/api/v1/audit/checkpoints', 'post')).sort()).toEqual([
        '201',
        '401',
        '403',
        '429',
        '503',
      ]);
      expect(Object.keys(responses('/api/v1/audit/verify', 'get')).sort()).toEqual([
        '200',
        '401',
        '403',
        '429',
        '503',
      ]);
      const schemaOf = (path: string, method: string, status: string) =>
        responses(path, method)[status].content['application/json'].schema.$ref;
      expect(schemaOf('/api/v1/audit/checkpoints', 'post', '201')).toBe(
        '#/components/schemas/CheckpointView',
      );
      expect(schemaOf('/api/v1/audit/verify', 'get', '200')).toBe('#/components/schemas/VerifyReport');
      expect(schemaOf('/api/v1/applications/{id}/history', 'get', '200')).toBe(
        '#/components/schemas/HistoryView',
      );
      expect(Object.keys(doc.components.schemas.HistoryView.properties)).toEqual([
        'events',
        'chain',
        'checkpoint',
      ]);
      expect(doc.paths['/api/v1/audit/public-key'].get.security).toEqual([]);
      expect(doc.paths['/api/v1/audit/verify'].get.security).toEqual([{ bearer: [] }]);
    });
  });

  describe('checkpoints', () => {
    it('signs, on demand, the heads of exactly the applications changed since the previous checkpoint', async () => {
      const before = await checkpoint();
      const a = await submit();
      const b = await submit();
      const first = await checkpoint();
      expect(first).toMatchObject({
        seq: before.seq + 1,
        prevHash: before.hash,
        fromId: before.toId,
        leafCount: 2,
      });
      expect(BigInt(first.toId)).toBeGreaterThan(BigInt(first.fromId));
      expect(verify(null, statementOf(first), publicKeyPem, Buffer.from(first.signature, 'base64'))).toBe(
        true,
      );
      expect(first.hash).toBe(createHash('sha256').update(statementOf(first)).digest('hex'));
      // The root is the RFC 9162 tree over the two heads, ordered by application id.
      const leaves = await Promise.all(
        [a, b].sort().map(async (id) => {
          const view = await history(id);
          return leafOf(id, view.events.length, view.chain.head);
        }),
      );
      const node = createHash('sha256')
        .update(Buffer.from([1]))
        .update(Buffer.from(leaves[0]!, 'hex'))
        .update(Buffer.from(leaves[1]!, 'hex'))
        .digest('hex');
      expect(first.root).toBe(node);

      await approve(a);
      const second = await checkpoint();
      expect(second).toMatchObject({
        seq: first.seq + 1,
        prevHash: first.hash,
        fromId: first.toId,
        leafCount: 1,
      });
      expect(second.root).toBe(leafOf(a, (await history(a)).events.length, (await history(a)).chain.head));

      const empty = await checkpoint();
      expect(empty).toMatchObject({
        seq: second.seq + 1,
        leafCount: 0,
        fromId: second.toId,
        toId: second.toId,
      });
    });

    it('lists checkpoints newest first, a page at a time', async () => {
      for (let i = 0; i < 3; i++) await checkpoint();
      const all = await t.request('GET', '/api/v1/audit/checkpoints?limit=100', { as: officer(REVIEW) });
      expect(all.status).toBe(200);
      const seqs = all.body.items.map((c: { seq: number }) => c.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(3);
      expect(seqs).toEqual([...seqs].sort((x: number, y: number) => y - x));
      expect(all.body.nextCursor).toBeNull();

      const paged: number[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await t.request(
          'GET',
          `/api/v1/audit/checkpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { as: ann },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.body.items.map((c: { seq: number }) => c.seq));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(seqs);

      for (const cursor of ['bogus', Buffer.from('["2147483648"]').toString('base64url')]) {
        const refused = await t.request('GET', `/api/v1/audit/checkpoints?cursor=${cursor}`, { as: ann });
        expectProblem(refused, 400);
        expect(paths(refused)).toEqual(['$.cursor']);
      }
      expectProblem(await t.request('GET', '/api/v1/audit/checkpoints?limit=0', { as: ann }), 400);
      expectProblem(await t.request('GET', '/api/v1/audit/checkpoints'), 401);
    });

    it('are signed and verified by admins only', async () => {
      expectProblem(await t.request('POST', '/api/v1/audit/checkpoints', { as: officer(REVIEW) }), 403);
      expectProblem(await t.request('POST', '/api/v1/audit/checkpoints', { as: ann }), 403);
      expectProblem(await t.request('GET', '/api/v1/audit/verify', { as: ann }), 403);
      expectProblem(await t.request('POST', '/api/v1/audit/checkpoints'), 401);
      expectProblem(await t.request('GET', '/api/v1/audit/verify'), 401);
    });

    it('wait for a writer that has numbered a history row, then cover its row', async () => {
      const id = await submit();
      await checkpoint();
      const [last] = await t.query<{ seq: number; hash: string; at: Date }>(
        'SELECT seq, hash, at FROM history WHERE application_id = $1 ORDER BY seq DESC LIMIT 1',
        [id],
      );
      // A writer inside its transaction: the row is numbered, not committed.
      const writer = new pg.Client({ connectionString: t.databaseUrl });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        const at = new Date().toISOString();
        const content = {
          seq: last!.seq + 1,
          at,
          actor: { role: 'system', id: 'slow' },
          type: 'probe',
          step: null,
          detail: {},
        };
        const [row] = (
          await writer.query(
            `INSERT INTO history (application_id, seq, at, actor_role, actor_id, type, detail, prev_hash, hash)
             VALUES ($1, $2, $3, 'system', 'slow', 'probe', '{}', $4, $5) RETURNING id`,
            [id, content.seq, at, last!.hash, chainHash(last!.hash, content)],
          )
        ).rows;
        const signing = checkpoint();
        // The checkpoint waits for the writer's shared lock: seen in pg_locks, not guessed with a sleep.
        await eventually(
          () =>
            t.query(
              "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1 AND objid = 2845344706 AND mode = 'ExclusiveLock' AND NOT granted",
            ),
          (rows) => rows.length === 1,
        );
        await writer.query('COMMIT');
        const signed = await signing;
        expect(BigInt(signed.toId)).toBeGreaterThanOrEqual(BigInt(row.id));
        const view = await history(id);
        expect(view.checkpoint.checkpoint.seq).toBe(signed.seq);
        expect(view.checkpoint.leaf).toMatchObject({ seq: content.seq, hash: view.chain.head });
      } finally {
        await writer.end();
      }
    });

    it('miss no application written while checkpoints are being signed', async () => {
      const submitted: Promise<string>[] = [];
      const signed: Promise<unknown>[] = [];
      for (let i = 0; i < 24; i++) {
        submitted.push(submit());
        if (i % 4 === 0) signed.push(checkpoint());
      }
      const ids = await Promise.all(submitted);
      await Promise.all(signed);
      await checkpoint();
      for (const id of ids) {
        const view = await history(id);
        // The latest checkpoint covering it holds its current head, whichever checkpoint that was.
        expect(view.checkpoint.leaf).toMatchObject({ seq: view.events.length, hash: view.chain.head });
      }
      const seqs = (
        await t.query<{ seq: number; from_id: string; to_id: string }>(
          'SELECT seq, from_id, to_id FROM audit_checkpoints ORDER BY seq',
        )
      ).map((c, i, all) => (i === 0 ? '0' : all[i - 1]!.to_id) === c.from_id);
      expect(seqs.every(Boolean)).toBe(true);
      expect((await verifyReport()).failed).toEqual([]);
    });
  });

  describe('an application’s history', () => {
    /** The view's proof puts the application's head in the checkpoint's root, and the checkpoint is signed. */
    const provenIn = (id: string, v: any) =>
      verifyInclusion({
        leaf: leafOf(id, v.checkpoint.leaf.seq, v.checkpoint.leaf.hash),
        index: v.checkpoint.leaf.index,
        size: v.checkpoint.checkpoint.leafCount,
        path: v.checkpoint.proof,
        root: v.checkpoint.checkpoint.root,
      }) &&
      verify(
        null,
        statementOf(v.checkpoint.checkpoint),
        publicKeyPem,
        Buffer.from(v.checkpoint.checkpoint.signature, 'base64'),
      );

    it('proves each head of a checkpoint of many applications, one history read after another', async () => {
      // More leaves than a kept tree computes again on each proof, so later reads use the roots kept from earlier.
      // In a department of their own, out of the inbox page the other tests read.
      await registerWorkflow(
        t,
        simpleWorkflow('audit-many', [{ id: 'one', timeLimit: { hours: 1 } }], () => 'many'),
      );
      const ids: string[] = [];
      for (let i = 0; i < 150; i++) ids.push(await submitApplication(t, 'audit-many'));
      const signed = await checkpoint();
      expect(signed.leafCount).toBeGreaterThanOrEqual(150);
      for (const id of [...ids.slice(75), ...ids.slice(0, 75)]) {
        const view = await history(id);
        expect(view.checkpoint.checkpoint.seq).toBe(signed.seq);
        expect(provenIn(id, view)).toBe(true);
      }

      // The proofs come from the subtree roots stored with the checkpoint. One of them changed behind the service's
      // back, the proofs through it fail and the verification names the checkpoint; with none stored (a checkpoint
      // signed before they were), the proofs are computed from the leaves again.
      const [leaf] = await t.query<{ id: string; index: number }>(
        `SELECT application_id AS id, leaf_index AS index FROM audit_checkpoint_leaves
          WHERE checkpoint_seq = $1 AND application_id = ANY($2) ORDER BY leaf_index LIMIT 1`,
        [signed.seq, ids],
      );
      const stored = proofRanges(signed.leafCount, leaf!.index).find((r) => r.to - r.from >= KEPT_SUBTREE)!;
      await t.query('ALTER TABLE audit_checkpoint_nodes DISABLE TRIGGER audit_checkpoint_nodes_append_only');
      try {
        const changed = await t.query(
          `UPDATE audit_checkpoint_nodes SET hash = $4
            WHERE checkpoint_seq = $1 AND from_leaf = $2 AND to_leaf = $3 RETURNING hash`,
          [signed.seq, stored.from, stored.to, 'f'.repeat(64)],
        );
        expect(changed).toHaveLength(1);
        expect(provenIn(leaf!.id, await history(leaf!.id))).toBe(false);
        const report = await verifyReport();
        expect(report.failedCheckpoints).toContain(signed.seq);
        expect(report.failed).not.toContain(leaf!.id);
        await t.query('DELETE FROM audit_checkpoint_nodes WHERE checkpoint_seq = $1', [signed.seq]);
        expect(provenIn(leaf!.id, await history(leaf!.id))).toBe(true);
        expect((await verifyReport()).failedCheckpoints).not.toContain(signed.seq);
      } finally {
        await t.query('ALTER TABLE audit_checkpoint_nodes ENABLE TRIGGER audit_checkpoint_nodes_append_only');
      }
    });

    it('has no checkpoint before one covers it, then the proof that its head is in the latest', async () => {
      const id = await submit();
      const unsigned = await history(id);
      expect(unsigned.checkpoint).toBeNull();
      expect(unsigned.chain.matchesCheckpoint).toBeNull();

      const signed = await checkpoint();
      const view = await history(id);
      expect(view.chain).toEqual({ valid: true, head: unsigned.chain.head, matchesCheckpoint: true });
      expect(view.checkpoint.checkpoint).toEqual(signed);
      expect(view.checkpoint.leaf).toMatchObject({ seq: unsigned.events.length, hash: unsigned.chain.head });
      const proven = (v: any) => provenIn(id, v);
      expect(proven(view)).toBe(true);

      // A later event, not yet signed: the proof still shows the signed head, which the chain still holds.
      await approve(id);
      const later = await history(id);
      expect(later.events.length).toBeGreaterThan(unsigned.events.length);
      expect(later.checkpoint.checkpoint.seq).toBe(signed.seq);
      expect(later.chain.matchesCheckpoint).toBe(true);
      expect(proven(later)).toBe(true);

      await checkpoint();
      const resigned = await history(id);
      expect(resigned.checkpoint.leaf).toMatchObject({ seq: later.events.length, hash: later.chain.head });
      expect(proven(resigned)).toBe(true);
    });
  });

  describe('verification', () => {
    let keyDir: string;
    beforeAll(() => {
      keyDir = mkdtempSync(join(tmpdir(), 'pa-audit-'));
    });
    afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

    /** `npm run audit:verify` against this test's database, with only the public key. */
    async function script(): Promise<{ code: number; stdout: string }> {
      const keyFile = join(keyDir, 'public.pem');
      writeFileSync(keyFile, publicKeyPem);
      try {
        const { stdout } = await run('npm', ['run', '-s', 'audit:verify', '--', '--public-key', keyFile], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: t.databaseUrl, NODE_ENV: 'production' },
        });
        return { code: 0, stdout };
      } catch (error) {
        const failure = error as { code: number; stdout: string; stderr: string };
        if (failure.code !== 1)
          throw new Error(`audit:verify failed to run: ${failure.stderr}`, { cause: error });
        return { code: failure.code, stdout: failure.stdout };
      }
    }

    it('names the application whose history an administrator rewrote, recomputing every hash', async () => {
      const victim = await submit();
      const bystander = await submit();
      await approve(victim);
      await checkpoint();
      const clean = await verifyReport();
      expect(clean.failed).toEqual([]);
      expect(clean.checked).toBeGreaterThanOrEqual(2);

      // Behind the service's back: the trigger disabled as the table's owner could, the submission's actor
      // rewritten, and every hash after it recomputed so the plain chain verifies again.
      const rows = await t.query(
        'SELECT seq, at, actor_role, actor_id, type, step, detail FROM history WHERE application_id = $1 ORDER BY seq',
        [victim],
      );
      await t.query('ALTER TABLE history DISABLE TRIGGER history_append_only');
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const content = {
          seq: row.seq,
          at: new Date(row.at).toISOString(),
          actor: { role: row.actor_role, id: row.seq === 1 ? 'mallory' : row.actor_id },
          type: row.type,
          step: row.step,
          detail: row.detail,
        };
        const hash = chainHash(prev, content);
        await t.query(
          'UPDATE history SET actor_id = $3, prev_hash = $4, hash = $5 WHERE application_id = $1 AND seq = $2',
          [victim, row.seq, content.actor.id, prev, hash],
        );
        prev = hash;
      }
      await t.query('ALTER TABLE history ENABLE TRIGGER history_append_only');

      const rewritten = await history(victim);
      expect(rewritten.events[0].actor.id).toBe('mallory');
      expect(rewritten.chain.valid).toBe(true); // the plain chain is fooled
      expect(rewritten.chain.matchesCheckpoint).toBe(false); // the signed checkpoint is not
      expect((await history(bystander)).chain.matchesCheckpoint).toBe(true);

      const report = await verifyReport();
      expect(report.failed).toEqual([victim]);
      expect(report.failedCheckpoints).toEqual([]);
      expect(report.checked).toBe(clean.checked);

      const { code, stdout } = await script();
      expect(code).toBe(1);
      expect(stdout).toContain(`application ${victim}: event ${rows.length} no longer has the hash`);
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ failed: [victim] });
    });

    it('names an application whose signed rows were deleted, and a checkpoint removed from the middle', async () => {
      const erased = await submit();
      const first = await checkpoint();
      await submit();
      const removed = await checkpoint();
      const after = await checkpoint();
      const before = await verifyReport(); // an earlier test left its own victim failing
      expect(before.failed).not.toContain(erased);
      expect(before.failedCheckpoints).toEqual([]);

      await t.query('ALTER TABLE history DISABLE TRIGGER history_append_only');
      await t.query('DELETE FROM history WHERE application_id = $1', [erased]);
      await t.query('ALTER TABLE history ENABLE TRIGGER history_append_only');
      await t.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only');
      await t.query('DELETE FROM audit_checkpoints WHERE seq = $1', [removed.seq]);
      await t.query('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_append_only');

      const report = await verifyReport();
      expect(report.failed).toContain(erased);
      expect(first.seq).toBeLessThan(removed.seq);
      // The next one names a missing predecessor.
      expect(report.failedCheckpoints).toContain(after.seq);
    });

    it('fails a checkpoint whose stored leaves were rewritten, and every application it names', async () => {
      const id = await submit();
      const signed = await checkpoint();
      await t.query(
        'ALTER TABLE audit_checkpoint_leaves DISABLE TRIGGER audit_checkpoint_leaves_append_only',
      );
      await t.query("UPDATE audit_checkpoint_leaves SET hash = repeat('0', 64) WHERE checkpoint_seq = $1", [
        signed.seq,
      ]);
      await t.query('ALTER TABLE audit_checkpoint_leaves ENABLE TRIGGER audit_checkpoint_leaves_append_only');
      const report = await verifyReport();
      expect(report.failedCheckpoints).toContain(signed.seq);
      expect(report.failed).toContain(id);
    });
  });
});

describe('audit: scheduled checkpoints', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await TestApp.start({ config: { auditCheckpointIntervalMs: 1000 } });
    b = await TestApp.start({
      databaseUrl: a.databaseUrl,
      queuePrefix: (await a.query('SELECT current_database() AS name'))[0].name,
      config: { auditCheckpointIntervalMs: 1000 },
    });
    await registerWorkflow(a, workflow);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('are signed by one of two processes, once per interval, when history grew', async () => {
    const id = await submitApplication(a, 'audit-permit', { note: 'n' });
    const covered = await eventually(
      () => a.request('GET', `/api/v1/applications/${id}/history`, { as: ann }),
      (reply) => reply.body.checkpoint !== null,
    );
    expect(covered.body.chain.matchesCheckpoint).toBe(true);
    const later = await submitApplication(b, 'audit-permit', { note: 'n' });
    await eventually(
      () => b.request('GET', `/api/v1/applications/${later}/history`, { as: ann }),
      (reply) => reply.body.checkpoint !== null,
    );
    const periods = (
      await a.query<{ period: string }>(
        'SELECT floor(extract(epoch FROM created_at) * 1000 / 1000)::text AS period FROM audit_checkpoints',
      )
    ).map((row) => row.period);
    expect(periods.length).toBeGreaterThanOrEqual(2);
    expect(new Set(periods).size).toBe(periods.length);
  });

  it('sign one checkpoint when both processes try in the same interval', async () => {
    // The timers stop first, so that the new history is left for the two calls below to race for.
    await Promise.all([a, b].map((app) => app.app.get(CheckpointScheduler).onApplicationShutdown()));
    await submitApplication(a, 'audit-permit', { note: 'n' });
    const now = new Date(Date.now() + 3_600_000); // an interval no timer has reached
    const results = await Promise.all([
      a.app.get(CheckpointService).create('schedule', now),
      b.app.get(CheckpointService).create('schedule', now),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});

describe('audit checkpoints on a pool of one database connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { databasePoolSize: 1 } });
    await registerWorkflow(t, workflow);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('signs on demand and on schedule, never waiting on a second connection of its own', async () => {
    // The timer stops first, so that the scheduled checkpoint below is the only one.
    await t.app.get(CheckpointScheduler).onApplicationShutdown();
    await submitApplication(t, 'audit-permit', { note: 'n' });
    const demanded = await t.request('POST', '/api/v1/audit/checkpoints', { as: ADMIN });
    expect(demanded.status).toBe(201);
    expect(demanded.body.leafCount).toBe(1);
    await submitApplication(t, 'audit-permit', { note: 'n' });
    // Two days on: a later interval (a day here) than the one the checkpoint above was signed in.
    const scheduled = await t.app
      .get(CheckpointService)
      .create('schedule', new Date(Date.now() + 2 * 86_400_000));
    expect(scheduled).toMatchObject({ seq: demanded.body.seq + 1, fromId: demanded.body.toId, leafCount: 1 });
  });
});
