/**
 * The open-loop load of `npm run bench`: one scenario, driven over HTTP against any server that speaks the REST
 * subset below (this service, or bench/floor-server.ts), so both are measured by the same generator.
 *
 * - Applicants, open loop: submission i is sent at t0 + i/R whether or not earlier ones have answered, and its
 *   latency counts from that scheduled time, so a stalled server cannot hide behind a slowed client (no
 *   coordinated omission). Each application is then polled with If-None-Match on a fixed grid until it leaves
 *   `in_review`.
 * - Officers, closed loop, one per department: read the inbox, approve everything in it concurrently, repeat (after
 *   a short pause when it is empty).
 *
 * Calls: POST /api/v1/workflows, POST /api/v1/applications, GET /api/v1/applications/{id},
 * GET /api/v1/tasks?status=open&limit=N, POST /api/v1/tasks/{id}/decision. Tokens are HS256, minted here.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, sleep, tenthsOrNull } from './bench.util.js';

/** Five departments, tax after the business licence, fire safety approved by rule for small venues (~30%). */
export const BENCH_WORKFLOW = {
  key: 'bench-restaurant',
  name: 'Bench: open a restaurant (five departments)',
  form: {
    type: 'object',
    required: ['applicant', 'address', 'seats'],
    properties: {
      applicant: {
        type: 'object',
        properties: { name: { type: 'string' }, idNumber: { type: 'string' } },
        required: ['name', 'idNumber'],
      },
      address: { type: 'string' },
      seats: { type: 'integer', minimum: 0, maximum: 99 },
      sellsAlcohol: { type: 'boolean' },
    },
  },
  steps: [
    step('business-licence', 'Business licence', 'market-regulation'),
    { ...step('fire-safety', 'Fire safety', 'fire-rescue'), autoApprove: { '<': [{ var: 'seats' }, 30] } },
    step('health-permit', 'Health permit', 'health'),
    step('signage', 'Signage permit', 'urban-management'),
    { ...step('tax-registration', 'Tax registration', 'tax'), after: ['business-licence'] },
  ],
};

function step(id: string, name: string, department: string) {
  return { id, name, department, timeLimit: { hours: 24 }, onTimeout: 'approve' };
}

const DEPARTMENTS = [...new Set(BENCH_WORKFLOW.steps.map((s) => s.department))];

export interface LoadOptions {
  /** One or more base URLs (`http://127.0.0.1:3000`); requests go round-robin, like a load balancer. */
  bases: string[];
  secret: string;
  ratePerS: number;
  durationS: number;
  drainS: number;
  pollMs: number;
  inboxLimit: number;
  officerIdleMs: number;
  connections: number;
}

export const LOAD_DEFAULTS = {
  drainS: 10,
  pollMs: 200,
  inboxLimit: 50,
  officerIdleMs: 100,
  connections: 128,
};

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** The requests due in `TIMELINE_SLICE_S` seconds of the window from `fromS`, and their latencies' p50 and p99. */
export interface TimelineSlice {
  fromS: number;
  requests: number;
  p50: number | null;
  p99: number | null;
}

export const TIMELINE_SLICE_S = 2;

type RequestKind = 'submit' | 'decision' | 'inbox' | 'poll';

export interface LoadReport {
  offered: { ratePerS: number; durationS: number; applications: number };
  /** Applications approved within the run's window, and per second of it. */
  completedInRun: number;
  completedPerS: number;
  approvedAfterDrain: number;
  unfinishedAtEnd: number;
  unfinishedAfterDrain: number;
  /**
   * Latencies in ms. `instant`: a step approved by rule, from the application's `submittedAt` to the step's
   * `decidedAt` (the server's own timestamps, read from the final view), so polling does not blur it.
   */
  latencyMs: Record<'submit' | 'decision' | 'inbox' | 'poll' | 'endToEnd' | 'instant', LatencySummary>;
  /**
   * The decisions and polls sent or due in the window's second half alone: a fresh process spends its first seconds
   * in V8's interpreter and compilers, and a backlog built then weighs on the whole window's percentiles.
   */
  secondHalfMs: Record<'decision' | 'poll', LatencySummary>;
  /** Every request's latency (submissions, decisions, inbox reads, polls) by the slice of the window it was due in. */
  timeline: TimelineSlice[];
  decisions: { ok: number; conflict: number; failed: number };
  polls: { total: number; notModified: number };
  errors: Record<string, number>;
  /** Performance.now() at the start and the end of the offered-load window, to align CPU samples. */
  window: { start: number; end: number };
}

interface Reply {
  status: number | string;
  etag: string | undefined;
  json: unknown;
}

interface LiveApplication {
  id: string;
  token: string;
  etag: string | undefined;
  status: string;
  scheduled: number;
}

/** Runs the scenario once and answers its report. The workflow is registered first (201 or 200). */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const tokens = new Map<string, string>();
  const token = (role: string, sub: string, department?: string) => {
    const key = `${role}|${sub}|${department ?? ''}`;
    let value = tokens.get(key);
    if (!value) {
      value = signJwt({ sub, role, ...(department ? { department } : {}) }, options.secret);
      tokens.set(key, value);
    }
    return value;
  };
  let next = 0;
  const call = (method: string, path: string, bearer: string, body?: unknown, headers = {}) =>
    request(agent, options.bases[next++ % options.bases.length]!, { method, path, bearer, body, headers });

  const series = { submit: [], decision: [], inbox: [], poll: [], endToEnd: [], instant: [] } as Record<
    keyof LoadReport['latencyMs'],
    number[]
  >;
  /** [kind, when the request was due (performance.now()), latency]: the requests' order in time. */
  const timed: [RequestKind, number, number][] = [];
  const record = (kind: RequestKind, due: number, now: number) => {
    series[kind].push(now - due);
    timed.push([kind, due, now - due]);
  };
  const decisions = { ok: 0, conflict: 0, failed: 0 };
  const polls = { total: 0, notModified: 0 };
  const errors: Record<string, number> = {};
  const countError = (what: string, status: number | string) => {
    const key = `${what} ${status}`;
    errors[key] = (errors[key] ?? 0) + 1;
  };
  let approved = 0;
  let approvedInRun = 0;
  let otherTerminal = 0;
  let submitted = 0;
  let submitFailed = 0;
  let stopping = false;
  let tEnd = Infinity;
  const live = new Set<LiveApplication>();

  const registered = await call('POST', '/api/v1/workflows', token('admin', 'bench-admin'), BENCH_WORKFLOW);
  if (registered.status !== 200 && registered.status !== 201) {
    agent.destroy();
    throw new Error(
      `registering the workflow failed: ${registered.status} ${JSON.stringify(registered.json)}`,
    );
  }

  const finish = (app: LiveApplication, view: unknown) => {
    live.delete(app);
    const { submittedAt, steps } = (view ?? {}) as {
      submittedAt?: string;
      steps?: { decidedBy?: string | null; decidedAt?: string | null }[];
    };
    for (const step of steps ?? []) {
      if (step.decidedBy === 'rule' && step.decidedAt && submittedAt)
        series.instant.push(Date.parse(step.decidedAt) - Date.parse(submittedAt));
    }
    const now = performance.now();
    if (app.status === 'approved') {
      approved++;
      if (now <= tEnd) approvedInRun++;
      series.endToEnd.push(now - app.scheduled);
    } else otherTerminal++;
  };

  const pollLoop = async (app: LiveApplication, firstAt: number) => {
    let intended = firstAt;
    while (!stopping) {
      const wait = intended - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopping) return;
      const reply = await call(
        'GET',
        `/api/v1/applications/${app.id}`,
        app.token,
        undefined,
        app.etag ? { 'if-none-match': app.etag } : {},
      );
      const now = performance.now();
      record('poll', intended, now);
      polls.total++;
      if (reply.status === 304) polls.notModified++;
      else if (reply.status === 200) {
        app.status = (reply.json as { status: string }).status;
        app.etag = reply.etag ?? app.etag;
      } else countError('GET /applications/{id}', reply.status);
      if (app.status !== 'in_review') return finish(app, reply.json);
      // The next point of the fixed grid: a late answer costs one long sample, not a burst of catch-up polls.
      intended = Math.max(intended + options.pollMs, now);
    }
  };

  const submit = async (i: number, scheduled: number) => {
    const bearer = token('applicant', `applicant-${i % 1000}`);
    const data = {
      applicant: { name: `Applicant ${i}`, idNumber: `ID${String(i).padStart(10, '0')}` },
      address: `${i} Bench Road`,
      seats: Math.floor(Math.random() * 100),
      sellsAlcohol: Math.random() < 0.5,
    };
    const reply = await call('POST', '/api/v1/applications', bearer, { workflow: BENCH_WORKFLOW.key, data });
    const now = performance.now();
    record('submit', scheduled, now);
    submitted++;
    const view = reply.json as { id?: string; status?: string } | null;
    if (reply.status !== 201 || !view?.id || !view.status) {
      submitFailed++;
      countError('POST /applications', reply.status);
      return;
    }
    const app = { id: view.id, token: bearer, etag: reply.etag, status: view.status, scheduled };
    live.add(app);
    if (app.status !== 'in_review') return finish(app, view);
    await pollLoop(app, now + options.pollMs);
  };

  const officerLoop = async (department: string) => {
    while (!stopping) {
      const t0 = performance.now();
      const inbox = await call(
        'GET',
        `/api/v1/tasks?status=open&limit=${options.inboxLimit}`,
        token('officer', `officer-${department}-1`, department),
      );
      record('inbox', t0, performance.now());
      if (inbox.status !== 200) {
        countError('GET /tasks', inbox.status);
        await sleep(options.officerIdleMs);
        continue;
      }
      const items = (inbox.json as { items?: { id: string; signoffs?: unknown[] }[] } | null)?.items ?? [];
      if (items.length === 0) {
        await sleep(options.officerIdleMs);
        continue;
      }
      await Promise.all(
        items.map(async (task) => {
          // A countersigned step wants the next distinct officer.
          const officer = `officer-${department}-${(task.signoffs?.length ?? 0) + 1}`;
          const d0 = performance.now();
          const reply = await call(
            'POST',
            `/api/v1/tasks/${task.id}/decision`,
            token('officer', officer, department),
            {
              outcome: 'approve',
            },
          );
          record('decision', d0, performance.now());
          if (reply.status === 200) decisions.ok++;
          else if (reply.status === 409) {
            decisions.conflict++;
            countError('POST /tasks/{id}/decision', 409);
          } else {
            decisions.failed++;
            countError('POST /tasks/{id}/decision', reply.status);
          }
        }),
      );
    }
  };

  const officers = DEPARTMENTS.map((d) => officerLoop(d));
  const total = Math.round(options.ratePerS * options.durationS);
  const interval = 1000 / options.ratePerS;
  const tStart = performance.now() + 50;
  tEnd = tStart + options.durationS * 1000;
  const inFlight: Promise<void>[] = [];
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && tStart + i * interval <= now) {
        inFlight.push(submit(i, tStart + i * interval));
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(4, tStart + i * interval - performance.now())));
    };
    setTimeout(tick, 50);
  });
  const endWait = tEnd - performance.now();
  if (endWait > 0) await sleep(endWait);
  const unfinishedAtEnd = total - submitFailed - approved - otherTerminal;

  const drainUntil = performance.now() + options.drainS * 1000;
  while (performance.now() < drainUntil && (live.size > 0 || submitted < total)) await sleep(50);
  stopping = true;
  await Promise.all([...officers, ...inFlight]);
  agent.destroy();

  const summary = (values: number[]): LatencySummary => {
    const sorted = [...values].sort((a, b) => a - b);
    return {
      count: sorted.length,
      p50: tenthsOrNull(percentile(sorted, 50)),
      p95: tenthsOrNull(percentile(sorted, 95)),
      p99: tenthsOrNull(percentile(sorted, 99)),
      max: tenthsOrNull(sorted.at(-1) ?? null),
    };
  };
  const half = tStart + (options.durationS * 1000) / 2;
  const secondHalf = (kind: 'decision' | 'poll') =>
    summary(timed.filter(([k, due]) => k === kind && due >= half && due < tEnd).map(([, , ms]) => ms));
  const slices = Array.from({ length: Math.ceil(options.durationS / TIMELINE_SLICE_S) }, (): number[] => []);
  for (const [, due, ms] of timed) {
    const slice = due >= tStart ? slices[Math.floor((due - tStart) / 1000 / TIMELINE_SLICE_S)] : undefined;
    if (due < tEnd) slice?.push(ms);
  }
  return {
    offered: { ratePerS: options.ratePerS, durationS: options.durationS, applications: total },
    completedInRun: approvedInRun,
    completedPerS: Math.round((approvedInRun / options.durationS) * 100) / 100,
    approvedAfterDrain: approved,
    unfinishedAtEnd,
    unfinishedAfterDrain: total - submitFailed - approved - otherTerminal,
    latencyMs: {
      submit: summary(series.submit),
      decision: summary(series.decision),
      inbox: summary(series.inbox),
      poll: summary(series.poll),
      endToEnd: summary(series.endToEnd),
      instant: summary(series.instant),
    },
    secondHalfMs: { decision: secondHalf('decision'), poll: secondHalf('poll') },
    timeline: slices.map((values, i) => {
      const { count, p50, p99 } = summary(values);
      return { fromS: i * TIMELINE_SLICE_S, requests: count, p50, p99 };
    }),
    decisions,
    polls,
    errors,
    window: { start: tStart, end: tEnd },
  };
}

/** An HS256 JWT valid for a day. */
export function signJwt(claims: Record<string, string>, secret: string): string {
  const b64u = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u({ ...claims, iat: now, exp: now + 86_400 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export function request(
  agent: http.Agent,
  base: string,
  call: { method: string; path: string; bearer: string; body: unknown; headers: Record<string, string> },
): Promise<Reply> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { authorization: `Bearer ${call.bearer}`, ...call.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve) => {
    const req = http.request(new URL(call.path, base), { method: call.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          json = null; // not JSON: the status says enough
        }
        const etag = res.headers.etag;
        resolve({ status: res.statusCode ?? 0, etag: typeof etag === 'string' ? etag : undefined, json });
      });
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: error.code ?? 'error', etag: undefined, json: null }),
      );
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: error.code ?? 'error', etag: undefined, json: null }),
    );
    req.end(payload);
  });
}
