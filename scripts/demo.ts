/**
 * `npm run demo`: the whole service on the embedded default, played end to end in the terminal.
 *
 * Starts the app (embedded PostgreSQL in DATA_DIR/demo unless DATABASE_URL is set, queues on PostgreSQL unless
 * REDIS_URL is set), which registers the shipped workflows; registers a demo workflow with time limits of seconds;
 * submits applications; plays the departments (some decide, one stays silent until its deemed approval, one
 * rejects); follows every application live over its event stream; and ends with each application's serial
 * against parallel time and its status-page link. The server then keeps running for the links until Ctrl-C
 * (`--exit` stops at once).
 */
import 'reflect-metadata';
import { SignJWT } from 'jose';
import { join } from 'node:path';
import { createApp } from '../src/app.factory.js';
import { loadConfig, resolveAuditSigningKey, resolveJwtSecret } from '../src/config/app-config.js';
import { resolvePiiKeyring } from '../src/config/pii-config.js';
import { startEmbeddedPostgres } from '../src/config/embedded-postgres.js';
import type { EmbeddedPostgres } from '../src/config/embedded-postgres.js';

const EXIT = process.argv.includes('--exit');
const FINAL = ['approved', 'rejected', 'withdrawn'];
const started = Date.now();

type Role = 'admin' | 'officer' | 'applicant';
type Limit = { workingDays?: number; hours?: number; minutes?: number; seconds?: number };
interface StepView {
  id: string;
  status: string;
  openedAt: string | null;
  decidedAt: string | null;
}
interface AppView {
  id: string;
  status: string;
  workflow: { key: string; version: number };
  submittedAt: string;
  decidedAt: string | null;
  steps: StepView[];
}
interface WorkflowView {
  definition: { steps: { id: string; timeLimit: Limit }[] };
  analysis: { unit: string; serial: number; parallel: number; criticalPath: string[] };
}
interface TaskItem {
  id: string;
  step: string;
  applicationId: string;
}
interface HistoryEvent {
  type: string;
  step: string | null;
  actor: { role: string; id: string };
}
type Plan = { action: 'approve' | 'reject' | 'silent'; afterMs: number; produces?: Record<string, string> };

/** Seconds instead of working days, so a whole run takes well under a minute. */
const DEMO_WORKFLOW = {
  key: 'demo-street-stall',
  name: 'Street food stall (demo, limits in seconds)',
  form: {
    type: 'object',
    required: ['stallName', 'hasSign'],
    properties: {
      stallName: { type: 'string', minLength: 1 },
      hasSign: { type: 'boolean' },
      menu: { type: 'string' },
    },
  },
  steps: [
    {
      id: 'registration',
      name: 'Business registration',
      department: 'market-regulation',
      timeLimit: { seconds: 6 },
    },
    {
      id: 'fire-check',
      name: 'Fire safety check',
      department: 'fire-rescue',
      timeLimit: { seconds: 5 },
      onTimeout: 'approve',
    },
    {
      id: 'hygiene',
      name: 'Food hygiene',
      department: 'health-commission',
      timeLimit: { seconds: 8 },
      fields: ['menu'],
    },
    {
      id: 'sign',
      name: 'Sign permit',
      department: 'urban-management',
      timeLimit: { seconds: 4 },
      when: { '==': [{ var: 'hasSign' }, true] },
    },
    {
      id: 'stall-licence',
      name: 'Stall licence',
      department: 'market-regulation',
      after: ['registration', 'fire-check', 'hygiene'],
      timeLimit: { seconds: 4 },
    },
  ],
};

/** How each department plays: fire-rescue never answers, so its steps are approved when their limit passes. */
const PLAYBOOK: Record<string, (task: { step: string; applicationId: string }) => Plan> = {
  'market-regulation': () => ({ action: 'approve', afterMs: 1200 }),
  'fire-rescue': () => ({ action: 'silent', afterMs: 0 }),
  'urban-management': () => ({ action: 'approve', afterMs: 800 }),
  'health-commission': (task) => ({
    action: rejected.has(task.applicationId) ? 'reject' : 'approve',
    afterMs: 2500,
  }),
};
const rejected = new Set<string>();

const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string) => process.stdout.write(`${stamp()}  ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  const dataDir = process.env.DATA_DIR ? config.dataDir : join(config.dataDir, 'demo');
  const jwtSecret = resolveJwtSecret({ ...config, dataDir });
  const auditSigningKey = resolveAuditSigningKey({ ...config, dataDir });
  const { generated: _file, ...keyring } = resolvePiiKeyring({ ...config, dataDir });
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    say(`starting embedded PostgreSQL in ${dataDir}`);
    embedded = await startEmbeddedPostgres(dataDir);
  }
  const app = await createApp({
    ...config,
    dataDir,
    jwtSecret,
    auditSigningKey,
    databaseUrl: config.databaseUrl ?? embedded!.url,
    queuePrefix: 'pa-demo',
    logLevel: 'error',
    pii: { keyring, retentionDays: config.pii.retentionDays },
  });
  await app.listen({ port: config.port, host: config.host });
  const base = `http://${config.host}:${config.port}`;
  const stop = async () => {
    await app.close().catch(() => undefined);
    await embedded?.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));

  const token = (role: Role, sub: string, department?: string) =>
    new SignJWT({ role, ...(department ? { department } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('8h')
      .sign(new TextEncoder().encode(jwtSecret));
  const call = async <T = unknown>(
    method: string,
    path: string,
    auth: string,
    body?: unknown,
  ): Promise<T> => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${auth}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : null) as unknown;
    if (!response.ok) {
      throw new Error(
        `${method} ${path}: ${response.status} ${(parsed as { detail?: string } | null)?.detail ?? text}`,
      );
    }
    return parsed as T;
  };

  const admin = await token('admin', 'demo-admin');
  const shipped = await call<{ key: string; name: string }[]>('GET', '/workflows', admin);
  say(`shipped workflows registered at start-up: ${shipped.map((w) => w.key).join(', ')}`);
  const registered = await call<{ analysis: WorkflowView['analysis'] }>(
    'POST',
    '/workflows',
    admin,
    DEMO_WORKFLOW,
  );
  const { serial, parallel, criticalPath } = registered.analysis;
  say(
    `registered ${DEMO_WORKFLOW.key}: ${serial}s one after another, ${parallel}s in parallel (critical path ${criticalPath.join(' → ')})`,
  );
  say(
    'return for correction: not available in this build (decisions are approve or reject), so no department returns',
  );

  const applicants = [
    { sub: 'li-wei', data: { stallName: 'Li Wei noodles', hasSign: true, menu: 'noodles' } },
    { sub: 'chen-jing', data: { stallName: 'Chen Jing dumplings', hasSign: false, menu: 'dumplings' } },
    { sub: 'wang-fang', data: { stallName: 'Wang Fang skewers', hasSign: true, menu: 'skewers' } },
  ];
  const apps: { id: string; name: string; token: string; status: string }[] = [];
  for (const person of applicants) {
    const auth = await token('applicant', person.sub);
    const view = await call<AppView>('POST', '/applications', auth, {
      workflow: DEMO_WORKFLOW.key,
      data: person.data,
    });
    apps.push({ id: view.id, name: person.data.stallName, token: auth, status: view.status });
    say(
      `submitted "${person.data.stallName}" (${view.id.slice(0, 8)}): fans out to every department at once`,
    );
  }
  // Health finds a problem with the last one: it is rejected, and every other open step is cancelled at once.
  rejected.add(apps[2]!.id);

  const restaurantApplicant = await token('applicant', 'zhao-lei');
  if (shipped.some((w) => w.key === 'open-restaurant')) {
    const view = await call<AppView>('POST', '/applications', restaurantApplicant, {
      workflow: 'open-restaurant',
      data: {
        applicant: { name: '赵磊', idNumber: '11010519491231002X', phone: '13800138000' },
        businessName: 'Zhao Lei Kitchen',
        address: '1 Chang An Avenue, Beijing',
        seats: 40,
        areaSqm: 120,
        sellsAlcohol: true,
        floorPlan: 'https://files.example/floor-plan.pdf',
      },
    });
    apps.push({
      id: view.id,
      name: 'Zhao Lei Kitchen (open-restaurant, working days)',
      token: restaurantApplicant,
      status: view.status,
    });
    say(
      `submitted "Zhao Lei Kitchen" on the shipped open-restaurant workflow (${view.id.slice(0, 8)}): limits in working days, it stays in review`,
    );
  }

  // Live progress: each application's own event stream, the same one the status page uses.
  const following = apps.map((app) =>
    follow(base, app, (event) => say(`${app.name.padEnd(22).slice(0, 22)}  ${describe(event)}`)),
  );

  // The departments at work: each polls its inbox and acts on its demo tasks as its playbook says.
  const acted = new Set<string>();
  const demoIds = new Set(apps.slice(0, 3).map((a) => a.id));
  const officers = await Promise.all(
    Object.keys(PLAYBOOK).map(async (department) => ({
      department,
      auth: await token('officer', `${department}-officer`, department),
    })),
  );
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && apps.slice(0, 3).some((a) => !FINAL.includes(a.status))) {
    for (const { department, auth } of officers) {
      const inbox = await call<{ items: TaskItem[] }>('GET', '/tasks?limit=100', auth);
      for (const task of inbox.items) {
        if (!demoIds.has(task.applicationId) || acted.has(task.id)) continue;
        acted.add(task.id);
        const plan = PLAYBOOK[department]!(task);
        if (plan.action === 'silent') continue;
        setTimeout(() => {
          call('POST', `/tasks/${task.id}/decision`, auth, {
            outcome: plan.action,
            comment: plan.action === 'reject' ? 'No running water at the stall' : 'OK',
          }).catch((error: Error) => say(`${department}: ${error.message}`));
        }, plan.afterMs);
      }
    }
    for (const app of apps)
      app.status = (await call<AppView>('GET', `/applications/${app.id}`, app.token)).status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await Promise.race([
    Promise.all(following.slice(0, 3)),
    new Promise((resolve) => setTimeout(resolve, 3000)),
  ]);

  process.stdout.write(
    '\n  application                                     status       serial (committed)  serial (actual)  parallel (real)\n',
  );
  for (const app of apps) {
    const view = await call<AppView>('GET', `/applications/${app.id}`, app.token);
    const workflow = await call<WorkflowView>(
      'GET',
      `/workflows/${view.workflow.key}?version=${view.workflow.version}`,
      app.token,
    );
    const end = view.decidedAt ? Date.parse(view.decidedAt) : Date.now();
    const taken = workflow.definition.steps.filter(
      (step) => view.steps.find((s) => s.id === step.id)?.status !== 'skipped',
    );
    const committed =
      workflow.analysis.unit === 'workingDays'
        ? `${taken.reduce((n, s) => n + (s.timeLimit.workingDays ?? 0), 0)} working days`
        : `${taken.reduce((n, s) => n + seconds(s.timeLimit), 0)} s`;
    const actual = view.steps.reduce(
      (n, s) =>
        s.openedAt ? n + ((s.decidedAt ? Date.parse(s.decidedAt) : end) - Date.parse(s.openedAt)) : n,
      0,
    );
    const real = end - Date.parse(view.submittedAt);
    process.stdout.write(
      `  ${app.name.slice(0, 46).padEnd(48)}${view.status.padEnd(13)}${committed.padEnd(20)}${(actual / 1000).toFixed(1).padStart(7)} s${(real / 1000).toFixed(1).padStart(15)} s\n`,
    );
  }
  process.stdout.write('\nStatus pages (the token is in the # fragment, which never reaches a server):\n');
  for (const app of apps)
    process.stdout.write(`  ${app.name}\n    ${base}/status/${app.id}#token=${app.token}\n`);
  const console = officers.find((o) => o.department === 'market-regulation')!;
  process.stdout.write(`\nOfficer console (market-regulation):\n    ${base}/console#token=${console.auth}\n`);

  if (EXIT) {
    await stop();
    process.exit(0);
  }
  process.stdout.write('\nThe server keeps running for these links; Ctrl-C stops it.\n');
}

function seconds(limit: {
  workingDays?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
}): number {
  return (
    (limit.workingDays ?? 0) * 86400 +
    (limit.hours ?? 0) * 3600 +
    (limit.minutes ?? 0) * 60 +
    (limit.seconds ?? 0)
  );
}

function describe(event: { type: string; step: string | null; actor: { role: string; id: string } }): string {
  const who = event.actor.role === 'system' ? event.actor.id : `${event.actor.role} ${event.actor.id}`;
  return `${event.type}${event.step ? ` · ${event.step}` : ''}  (${who})`;
}

/** Reads an application's server-sent events until the server closes the stream (once it is decided). */
async function follow(
  base: string,
  app: { id: string; token: string },
  onEvent: (event: HistoryEvent) => void,
): Promise<void> {
  const response = await fetch(`${base}/api/v1/applications/${app.id}/events`, {
    headers: { authorization: `Bearer ${app.token}` },
  });
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data && !block.includes('event: ')) onEvent(JSON.parse(data.slice(6)) as HistoryEvent);
      }
    }
  } catch {
    // the server closed the stream on shutdown
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(1);
});
