/**
 * The floor of `npm run bench`: the least a correct engine must do for the REST subset bench/load.util.ts drives,
 * on Fastify + pg and nothing else (no Nest, no ORM, no statechart, no queue). It is a yardstick, not a product:
 * it honours only what the bench scenario uses (`after`, `when`, `autoApprove` without facts, `signoff`, time limits
 * in hours/minutes/seconds), keeps no hash chain, and schedules no timers.
 *
 *   PORT=3100 DATABASE_URL=... JWT_SECRET=... node --import ./scripts/register-ts.mjs bench/floor-server.ts
 *
 * Every event is one PostgreSQL transaction with default durability:
 *   submission: one INSERT statement (application, tasks and history rows through CTEs);
 *   decision:   BEGIN; lock the application; read its tasks; one UPDATE/UPDATE/INSERT statement; COMMIT.
 */
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import jsonLogic from 'json-logic-js';
import type { RulesLogic } from 'json-logic-js';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import pg from 'pg';

interface Claims {
  sub: string;
  role: 'admin' | 'officer' | 'applicant';
  department?: string;
}

interface Step {
  id: string;
  name: string;
  department: string;
  prereqs: string[];
  limitMs: number;
  when: RulesLogic | true;
  autoApprove: RulesLogic | null;
  signoff: number;
}

interface Workflow {
  key: string;
  version: number;
  steps: Step[];
  byId: Map<string, Step>;
}

interface StepState {
  status: string;
  openedAt: Date | null;
  dueAt: Date | null;
  decidedAt: Date | null;
  decidedBy: string | null;
}

interface TaskRow {
  id: string;
  application_id: string;
  ord: number;
  step: string;
  department: string;
  status: string;
  opened_at: Date | string | null;
  due_at: Date | string | null;
  decided_at: Date | string | null;
  decided_by: string | null;
  comment: string | null;
  signoffs: { officer: string; at: string }[];
}

interface ApplicationRow {
  id: string;
  workflow_key: string;
  workflow_version: number;
  applicant: string;
  status: string;
  revision: number;
  data: Record<string, unknown>;
  produced: Record<string, unknown>;
  submitted_at: Date;
  decided_at: Date | null;
}

const PORT = Number(process.env.PORT ?? 3100);
const HOST = process.env.HOST ?? '127.0.0.1';
const DATABASE_URL = process.env.DATABASE_URL;
const JWT_SECRET = process.env.JWT_SECRET;
if (!DATABASE_URL || !JWT_SECRET) {
  process.stderr.write('floor: DATABASE_URL and JWT_SECRET are required\n');
  process.exit(2);
}

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20 });
pool.on('error', (error) => process.stderr.write(`floor: pg pool: ${error.message}\n`));

const SCHEMA = `
CREATE TABLE IF NOT EXISTS workflows (
  key text NOT NULL, version int NOT NULL, definition jsonb NOT NULL, PRIMARY KEY (key, version));
CREATE TABLE IF NOT EXISTS applications (
  id uuid PRIMARY KEY, workflow_key text NOT NULL, workflow_version int NOT NULL, applicant text NOT NULL,
  status text NOT NULL, revision int NOT NULL, data jsonb NOT NULL, produced jsonb NOT NULL DEFAULT '{}',
  submitted_at timestamptz NOT NULL, decided_at timestamptz);
CREATE TABLE IF NOT EXISTS tasks (
  id uuid PRIMARY KEY, application_id uuid NOT NULL REFERENCES applications(id), ord int NOT NULL,
  step text NOT NULL, department text NOT NULL, status text NOT NULL,
  opened_at timestamptz, due_at timestamptz, decided_at timestamptz, decided_by text, comment text,
  signoffs jsonb NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS tasks_inbox ON tasks (department, status, due_at, id);
CREATE INDEX IF NOT EXISTS tasks_application ON tasks (application_id);
CREATE TABLE IF NOT EXISTS history (
  application_id uuid NOT NULL REFERENCES applications(id), seq int NOT NULL, at timestamptz NOT NULL,
  actor_role text NOT NULL, actor_id text NOT NULL, type text NOT NULL, step text, detail jsonb,
  PRIMARY KEY (application_id, seq));`;

// ------------------------------------------------------------------------------------------------ the engine

const versions = new Map<string, Workflow>();
const latest = new Map<string, number>();

function compile(key: string, version: number, definition: Record<string, unknown>): Workflow {
  const raw = (definition.steps ?? []) as Record<string, unknown>[];
  const steps: Step[] = raw.map((s) => {
    const limit = (s.timeLimit ?? {}) as Record<string, number>;
    return {
      id: String(s.id),
      name: String(s.name),
      department: String(s.department),
      prereqs: (s.after as string[] | undefined) ?? [],
      limitMs: (limit.hours ?? 0) * 3_600_000 + (limit.minutes ?? 0) * 60_000 + (limit.seconds ?? 0) * 1000,
      when: (s.when as RulesLogic | undefined) ?? true,
      autoApprove: (s.autoApprove as RulesLogic | undefined) ?? null,
      signoff: (s.signoff as number | undefined) ?? 1,
    };
  });
  const workflow = { key, version, steps, byId: new Map(steps.map((s) => [s.id, s])) };
  versions.set(`${key}@${version}`, workflow);
  if ((latest.get(key) ?? 0) < version) latest.set(key, version);
  return workflow;
}

const holds = (rule: RulesLogic, data: unknown) => {
  try {
    return jsonLogic.truthy(jsonLogic.apply(rule, data));
  } catch {
    return false;
  }
};
const DONE = new Set(['approved', 'skipped']);

/** Opens every blocked step whose prerequisites are done, approving at once where its rule holds; repeats. */
function settle(workflow: Workflow, states: Map<string, StepState>, data: unknown, now: Date): Set<string> {
  const changed = new Set<string>();
  for (let again = true; again;) {
    again = false;
    for (const s of workflow.steps) {
      const state = states.get(s.id)!;
      if (state.status !== 'blocked' || !s.prereqs.every((p) => DONE.has(states.get(p)!.status))) continue;
      Object.assign(state, { status: 'open', openedAt: now, dueAt: new Date(now.getTime() + s.limitMs) });
      if (s.autoApprove && holds(s.autoApprove, data))
        Object.assign(state, { status: 'approved', decidedAt: now, decidedBy: 'rule' });
      changed.add(s.id);
      again = true;
    }
  }
  return changed;
}

function applicationStatus(states: Map<string, StepState>): string {
  let allDone = true;
  for (const s of states.values()) {
    if (s.status === 'rejected') return 'rejected';
    if (!DONE.has(s.status)) allDone = false;
  }
  return allDone ? 'approved' : 'in_review';
}

// ------------------------------------------------------------------------------------------------ views

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const etagOf = (revision: number) => `"r${revision}"`;

function applicationView(a: ApplicationRow, tasks: TaskRow[], workflow: Workflow) {
  const now = Date.now();
  let expectedBy: string | null = null;
  const steps = tasks.map((t) => {
    const due = iso(t.due_at);
    if (t.status === 'open' && due && (!expectedBy || due > expectedBy)) expectedBy = due;
    return {
      id: t.step,
      name: workflow.byId.get(t.step)?.name ?? t.step,
      department: t.department,
      status: t.status,
      openedAt: iso(t.opened_at),
      dueAt: due,
      decidedAt: iso(t.decided_at),
      decidedBy: t.decided_by,
      overdue: t.status === 'open' && !!due && Date.parse(due) < now,
      comment: t.comment,
    };
  });
  return {
    id: a.id,
    workflow: { key: a.workflow_key, version: a.workflow_version },
    status: a.status,
    submittedAt: iso(a.submitted_at),
    decidedAt: iso(a.decided_at),
    expectedBy,
    revision: a.revision,
    data: a.data,
    produced: a.produced,
    steps,
  };
}

function taskView(
  t: TaskRow,
  a: Pick<ApplicationRow, 'workflow_key' | 'workflow_version' | 'data'>,
  step?: Step,
) {
  return {
    id: t.id,
    applicationId: t.application_id,
    workflow: { key: a.workflow_key, version: a.workflow_version },
    step: t.step,
    name: step?.name ?? t.step,
    department: t.department,
    status: t.status,
    openedAt: iso(t.opened_at),
    dueAt: iso(t.due_at),
    overdue: t.status === 'open' && !!t.due_at && new Date(t.due_at).getTime() < Date.now(),
    signoffs: t.signoffs,
    signoffRequired: step?.signoff ?? 1,
    data: a.data,
  };
}

// ------------------------------------------------------------------------------------------------ HTTP

function verifyJwt(authorization: string | undefined): Claims | null {
  if (!authorization?.startsWith('Bearer ')) return null;
  const [header, payload, signature] = authorization.slice(7).trim().split('.');
  if (!header || !payload || signature === undefined) return null;
  const expected = createHmac('sha256', JWT_SECRET!).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Claims & { exp?: number };
    if (alg !== 'HS256' || (claims.exp !== undefined && claims.exp * 1000 <= Date.now())) return null;
    if (!['admin', 'officer', 'applicant'].includes(claims.role) || !claims.sub) return null;
    if (claims.role === 'officer' && !claims.department) return null;
    return claims;
  } catch {
    return null;
  }
}

const problem = (reply: FastifyReply, status: number, detail: string) =>
  reply.code(status).type('application/problem+json').send({ type: 'about:blank', status, detail });
const claimsOf = (request: FastifyRequest) => (request as FastifyRequest & { claims: Claims }).claims;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const app = Fastify({ logger: false, bodyLimit: 1 << 20 });

app.addHook('onRequest', async (request, reply) => {
  if (!request.url.startsWith('/api/')) return;
  const claims = verifyJwt(request.headers.authorization);
  if (!claims) return problem(reply, 401, 'missing or invalid bearer token');
  (request as FastifyRequest & { claims: Claims }).claims = claims;
});

app.get('/health', async (_request, reply) => {
  try {
    await pool.query('SELECT 1');
    return { status: 'ok' };
  } catch {
    return reply.code(503).send({ status: 'unavailable' });
  }
});

app.post('/api/v1/workflows', async (request, reply) => {
  if (claimsOf(request).role !== 'admin') return problem(reply, 403, 'admins only');
  const definition = request.body as Record<string, unknown>;
  const key = String(definition.key);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
    const { rows } = await client.query<{ version: number; definition: unknown }>(
      'SELECT version, definition FROM workflows WHERE key = $1 ORDER BY version DESC LIMIT 1',
      [key],
    );
    const same = rows[0] && canonical(rows[0].definition) === canonical(definition);
    const version = same ? rows[0]!.version : (rows[0]?.version ?? 0) + 1;
    if (!same) {
      await client.query('INSERT INTO workflows (key, version, definition) VALUES ($1, $2, $3)', [
        key,
        version,
        definition,
      ]);
    }
    await client.query('COMMIT');
    compile(key, version, definition);
    return reply.code(same ? 200 : 201).send({ key, version });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});

const TASK_COLUMNS =
  'id uuid, ord int, step text, department text, status text, opened_at timestamptz, due_at timestamptz, decided_at timestamptz, decided_by text, comment text, signoffs jsonb';

app.post('/api/v1/applications', async (request, reply) => {
  const claims = claimsOf(request);
  if (claims.role !== 'applicant') return problem(reply, 403, 'applicants only');
  const body = request.body as { workflow?: string; data?: Record<string, unknown> } | null;
  if (!body || typeof body.workflow !== 'string' || !body.data || typeof body.data !== 'object')
    return problem(reply, 400, 'workflow and data are required');
  const workflow = versions.get(`${body.workflow}@${latest.get(body.workflow) ?? 0}`);
  if (!workflow) return problem(reply, 404, 'workflow not found');
  const now = new Date();
  const states = new Map<string, StepState>(
    workflow.steps.map((s) => [
      s.id,
      {
        status: s.when === true || holds(s.when, body.data) ? 'blocked' : 'skipped',
        openedAt: null,
        dueAt: null,
        decidedAt: null,
        decidedBy: null,
      },
    ]),
  );
  settle(workflow, states, body.data, now);
  const status = applicationStatus(states);
  const id = randomUUID();
  const tasks: TaskRow[] = workflow.steps.map((s, ord) => {
    const state = states.get(s.id)!;
    return {
      id: randomUUID(),
      application_id: id,
      ord,
      step: s.id,
      department: s.department,
      status: state.status,
      opened_at: state.openedAt,
      due_at: state.dueAt,
      decided_at: state.decidedAt,
      decided_by: state.decidedBy,
      comment: null,
      signoffs: [],
    };
  });
  const history = [
    { seq: 1, type: 'submitted', step: null as string | null, role: 'applicant', actor: claims.sub },
  ];
  for (const t of tasks) {
    if (t.decided_by === 'rule')
      history.push({
        seq: history.length + 1,
        type: 'rule_approved',
        step: t.step,
        role: 'rule',
        actor: 'rule',
      });
  }
  const decidedAt = status === 'in_review' ? null : now;
  await pool.query({
    name: 'submit',
    text: `WITH a AS (
        INSERT INTO applications (id, workflow_key, workflow_version, applicant, status, revision, data, submitted_at, decided_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)),
      t AS (
        INSERT INTO tasks (id, application_id, ord, step, department, status, opened_at, due_at, decided_at, decided_by, comment, signoffs)
        SELECT x.id, $1, x.ord, x.step, x.department, x.status, x.opened_at, x.due_at, x.decided_at, x.decided_by, x.comment, x.signoffs
        FROM jsonb_to_recordset($10::jsonb) AS x(${TASK_COLUMNS}))
      INSERT INTO history (application_id, seq, at, actor_role, actor_id, type, step)
      SELECT $1, h.seq, $8, h.role, h.actor, h.type, h.step
      FROM jsonb_to_recordset($11::jsonb) AS h(seq int, role text, actor text, type text, step text)`,
    values: [
      id,
      workflow.key,
      workflow.version,
      claims.sub,
      status,
      history.length,
      body.data,
      now,
      decidedAt,
      JSON.stringify(tasks),
      JSON.stringify(history),
    ],
  });
  const row: ApplicationRow = {
    id,
    workflow_key: workflow.key,
    workflow_version: workflow.version,
    applicant: claims.sub,
    status,
    revision: history.length,
    data: body.data,
    produced: {},
    submitted_at: now,
    decided_at: decidedAt,
  };
  void reply.header('etag', etagOf(row.revision)).header('location', `/api/v1/applications/${id}`);
  return reply.code(201).send(applicationView(row, tasks, workflow));
});

app.get<{ Params: { id: string } }>('/api/v1/applications/:id', async (request, reply) => {
  const { role, sub } = claimsOf(request);
  if (role === 'officer') return problem(reply, 403, 'not for officers');
  const id = request.params.id;
  if (!UUID_RE.test(id)) return problem(reply, 404, 'application not found');
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch) {
    // The pollers' path: one index lookup, no task rows.
    const { rows } = await pool.query<{ applicant: string; revision: number }>({
      name: 'etag',
      text: 'SELECT applicant, revision FROM applications WHERE id = $1',
      values: [id],
    });
    const r = rows[0];
    if (!r || (role === 'applicant' && r.applicant !== sub))
      return problem(reply, 404, 'application not found');
    if (ifNoneMatch === etagOf(r.revision)) return reply.code(304).header('etag', etagOf(r.revision)).send();
  }
  const { rows } = await pool.query<ApplicationRow & { tasks: TaskRow[] | null }>({
    name: 'view',
    text: `SELECT a.*, (SELECT json_agg(t ORDER BY t.ord) FROM tasks t WHERE t.application_id = a.id) AS tasks
             FROM applications a WHERE a.id = $1`,
    values: [id],
  });
  const a = rows[0];
  if (!a || (role === 'applicant' && a.applicant !== sub))
    return problem(reply, 404, 'application not found');
  void reply.header('etag', etagOf(a.revision));
  return applicationView(a, a.tasks ?? [], versions.get(`${a.workflow_key}@${a.workflow_version}`)!);
});

app.get<{ Querystring: { status?: string; limit?: string } }>('/api/v1/tasks', async (request, reply) => {
  const { role, department } = claimsOf(request);
  if (role !== 'officer') return problem(reply, 403, 'officers only');
  const limit = Math.max(1, Math.min(200, Number(request.query.limit ?? 50) || 50));
  const { rows } = await pool.query<TaskRow & ApplicationRow>({
    name: 'inbox',
    text: `SELECT t.*, a.workflow_key, a.workflow_version, a.data FROM tasks t JOIN applications a ON a.id = t.application_id
            WHERE t.department = $1 AND t.status = $2 ORDER BY t.due_at, t.id LIMIT $3`,
    values: [department, request.query.status ?? 'open', limit],
  });
  return {
    items: rows.map((t) =>
      taskView(t, t, versions.get(`${t.workflow_key}@${t.workflow_version}`)?.byId.get(t.step)),
    ),
    nextCursor: null,
  };
});

app.post<{ Params: { id: string }; Body: { outcome?: string; comment?: string } }>(
  '/api/v1/tasks/:id/decision',
  async (request, reply) => {
    const { role, department, sub } = claimsOf(request);
    if (role !== 'officer') return problem(reply, 403, 'officers only');
    const taskId = request.params.id;
    if (!UUID_RE.test(taskId)) return problem(reply, 404, 'task not found');
    const outcome = request.body?.outcome;
    if (outcome !== 'approve' && outcome !== 'reject')
      return problem(reply, 400, 'outcome: approve or reject');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: apps } = await client.query<ApplicationRow>({
        name: 'lock',
        text: `SELECT * FROM applications
                WHERE id = (SELECT application_id FROM tasks WHERE id = $1 AND department = $2) FOR UPDATE`,
        values: [taskId, department],
      });
      const a = apps[0];
      if (!a) {
        await client.query('ROLLBACK');
        return problem(reply, 404, 'task not found');
      }
      // Read under the lock: a snapshot that sees every earlier event of this application.
      const { rows: tasks } = await client.query<TaskRow>({
        name: 'tasks',
        text: 'SELECT * FROM tasks WHERE application_id = $1 ORDER BY ord',
        values: [a.id],
      });
      const task = tasks.find((t) => t.id === taskId)!;
      const workflow = versions.get(`${a.workflow_key}@${a.workflow_version}`)!;
      const step = workflow.byId.get(task.step)!;
      if (
        task.status !== 'open' ||
        a.status !== 'in_review' ||
        task.signoffs.some((s) => s.officer === sub)
      ) {
        await client.query('ROLLBACK');
        return problem(reply, 409, `task is ${task.status}`);
      }
      const now = new Date();
      const states = new Map<string, StepState>(
        tasks.map((t) => [
          t.step,
          {
            status: t.status,
            openedAt: t.opened_at ? new Date(t.opened_at) : null,
            dueAt: t.due_at ? new Date(t.due_at) : null,
            decidedAt: t.decided_at ? new Date(t.decided_at) : null,
            decidedBy: t.decided_by,
          },
        ]),
      );
      const mine = states.get(task.step)!;
      let signoffs = task.signoffs;
      if (outcome === 'approve') {
        signoffs = [...signoffs, { officer: sub, at: now.toISOString() }];
        if (signoffs.length >= step.signoff)
          Object.assign(mine, { status: 'approved', decidedAt: now, decidedBy: 'officer' });
      } else Object.assign(mine, { status: 'rejected', decidedAt: now, decidedBy: 'officer' });
      const changed = new Set([task.step]);
      if (mine.status === 'approved') for (const s of settle(workflow, states, a.data, now)) changed.add(s);
      const status = applicationStatus(states);
      if (status === 'rejected') {
        for (const [id, s] of states) {
          if (s.status === 'open' || s.status === 'blocked') {
            s.status = 'cancelled';
            changed.add(id);
          }
        }
      }
      const updates = tasks
        .filter((t) => changed.has(t.step))
        .map((t) => {
          const s = states.get(t.step)!;
          return {
            id: t.id,
            status: s.status,
            opened_at: s.openedAt,
            due_at: s.dueAt,
            decided_at: s.decidedAt,
            decided_by: s.decidedBy,
            comment: t.id === taskId ? (request.body?.comment ?? null) : t.comment,
            signoffs: t.id === taskId ? signoffs : t.signoffs,
          };
        });
      await client.query({
        name: 'decide',
        text: `WITH u AS (
            UPDATE tasks t SET status = x.status, opened_at = x.opened_at, due_at = x.due_at, decided_at = x.decided_at,
                               decided_by = x.decided_by, comment = x.comment, signoffs = x.signoffs
            FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, status text, opened_at timestamptz, due_at timestamptz,
                                                    decided_at timestamptz, decided_by text, comment text, signoffs jsonb)
            WHERE t.id = x.id),
          a AS (
            UPDATE applications SET status = $2, revision = revision + 1, decided_at = $3 WHERE id = $4 RETURNING revision)
          INSERT INTO history (application_id, seq, at, actor_role, actor_id, type, step, detail)
          SELECT $4, a.revision, $5, 'officer', $6, $7, $8, $9 FROM a`,
        values: [
          JSON.stringify(updates),
          status,
          status === 'in_review' ? null : now,
          a.id,
          now,
          sub,
          outcome,
          task.step,
          { comment: request.body?.comment ?? null },
        ],
      });
      await client.query('COMMIT');
      const after = updates.find((u) => u.id === taskId)!;
      return taskView({ ...task, ...after }, a, step);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  },
);

/** JSON with sorted keys (jsonb does not keep key order), to compare definitions. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

await pool.query(SCHEMA);
for (const row of (
  await pool.query<{ key: string; version: number; definition: Record<string, unknown> }>(
    'SELECT key, version, definition FROM workflows',
  )
).rows) {
  compile(row.key, row.version, row.definition);
}
await app.listen({ port: PORT, host: HOST });
const stop = () =>
  void app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
