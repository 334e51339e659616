/**
 * `npm run demo`: the whole service on the embedded default, played end to end in the terminal.
 *
 * Starts the app (embedded PostgreSQL in DATA_DIR/demo unless DATABASE_URL is set, queues on PostgreSQL unless
 * REDIS_URL is set), which registers the shipped workflows; registers a demo workflow with time limits of seconds;
 * submits applications; plays the departments (some decide, fire and rescue stays silent until its deemed
 * approval, health rejects one application and returns two for correction, urban management returns one) and the
 * applicants (each answers its corrections with one resubmission); shows the progress live, each event as it comes
 * from the application's event stream and each application's steps whenever they change; and ends with each
 * application's serial against parallel time and its status-page link. The server then keeps running for the
 * links until Ctrl-C (`--exit` stops at once).
 */
import 'reflect-metadata';
import { SignJWT } from 'jose';
import { join } from 'node:path';
import { createApp } from '../src/app.factory.js';
import { loadConfig, resolveAuditSigningKey, resolveJwtSecret } from '../src/config/app-config.js';
import { resolvePiiKeyring } from '../src/config/pii-config.js';
import { databaseQueuePrefix } from '../src/config/queue-prefix.js';
import { startEmbeddedPostgres } from '../src/config/embedded-postgres.js';
import type { EmbeddedPostgres } from '../src/config/embedded-postgres.js';
import { FINAL_STATUSES } from '../src/engine/plan.util.js';

const EXIT = process.argv.includes('--exit');
const FINAL: readonly string[] = FINAL_STATUSES;
const started = Date.now();

type Role = 'admin' | 'officer' | 'applicant';
interface StepView {
  id: string;
  status: string;
  openedAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  overdue: boolean;
}
interface Correction {
  step: string;
  comment: string | null;
  fields: string[];
}
interface AppView {
  id: string;
  status: string;
  workflow: { key: string; version: number };
  submittedAt: string;
  decidedAt: string | null;
  steps: StepView[];
  corrections: Correction[];
  waitingForApplicant: { waiting: boolean; since: string | null; seconds: number };
  commitment: { unit: string; serial: number };
}
interface WorkflowView {
  analysis: { unit: string; serial: number; parallel: number; criticalPath: string[] };
}
interface TaskItem {
  id: string;
  step: string;
  applicationId: string;
  attempt?: number;
}
interface HistoryEvent {
  type: string;
  step: string | null;
  actor: { role: string; id: string };
  detail?: Record<string, unknown>;
}
type Plan =
  | { action: 'silent' }
  | { action: 'approve' | 'reject'; afterMs: number; comment: string }
  | { action: 'return'; afterMs: number; comment: string; fields: string[] };
/** One played application: who applies, what, and what each department finds on the first look. */
interface Player {
  sub: string;
  data: Record<string, unknown>;
  /** department → what it does the first time (afterwards it approves) */
  finds?: Record<string, Plan>;
  /** the applicant's answer to the corrections: a JSON merge patch of the data */
  correction?: Record<string, unknown>;
}
interface Played extends Player {
  id: string;
  name: string;
  token: string;
  status: string;
  board: string;
  resubmitted: boolean;
}

/** Seconds instead of working days, so a whole run takes well under a minute. */
const DEMO_WORKFLOW = {
  key: 'demo-street-stall',
  name: 'Street food stall (demo, limits in seconds)',
  // An applicant who never answers a correction request lapses after this; every applicant here answers.
  correctionWindow: { minutes: 10 },
  form: {
    type: 'object',
    required: ['stallName', 'hasSign'],
    properties: {
      stallName: { type: 'string', minLength: 1 },
      hasSign: { type: 'boolean' },
      signSize: { type: 'string' },
      menu: { type: 'string' },
    },
  },
  // Each step reads only its fields, so a correction reopens only the steps that read what changed.
  steps: [
    {
      id: 'registration',
      name: 'Business registration',
      department: 'market-regulation',
      timeLimit: { seconds: 6 },
      fields: ['stallName'],
    },
    {
      id: 'fire-check',
      name: 'Fire safety check',
      department: 'fire-rescue',
      timeLimit: { seconds: 5 },
      onTimeout: 'approve',
      fields: ['stallName'],
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
      fields: ['stallName', 'signSize'],
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

/** How long each department takes to decide; fire and rescue never answers, so its steps are deemed approved. */
const PACE: Record<string, number | 'silent'> = {
  'market-regulation': 1200,
  'fire-rescue': 'silent',
  'urban-management': 800,
  'health-commission': 2500,
};

const PLAYERS: Player[] = [
  {
    sub: 'li-wei',
    data: { stallName: 'Li Wei noodles', hasSign: true, signSize: '1 m × 0.5 m', menu: 'noodles' },
  },
  {
    sub: 'chen-jing',
    data: { stallName: 'Chen Jing dumplings', hasSign: false, menu: 'dumplings' },
    finds: {
      'health-commission': {
        action: 'return',
        afterMs: 2500,
        comment: 'The menu must name the allergens',
        fields: ['menu'],
      },
    },
    correction: { menu: 'dumplings (wheat, soy, sesame)' },
  },
  {
    sub: 'wang-fang',
    data: { stallName: 'Wang Fang skewers', hasSign: true, signSize: '1 m × 1 m', menu: 'skewers' },
    finds: {
      'health-commission': { action: 'reject', afterMs: 2500, comment: 'No running water at the stall' },
    },
  },
  {
    sub: 'sun-mei',
    data: { stallName: 'Sun Mei tea', hasSign: true, menu: 'milk tea' },
    finds: {
      'urban-management': {
        action: 'return',
        afterMs: 800,
        comment: 'Give the size of the sign',
        fields: ['signSize'],
      },
      'health-commission': {
        action: 'return',
        afterMs: 2500,
        comment: 'Say whether the milk is pasteurised',
        fields: ['menu'],
      },
    },
    correction: { signSize: '0.8 m × 0.4 m', menu: 'milk tea (pasteurised milk)' },
  },
];

/** What a department does with a task: its finding on the first look at an application, else its usual pace. */
function planFor(player: Player, department: string, firstLook: boolean): Plan {
  const found = player.finds?.[department];
  if (found && firstLook) return found;
  const pace = PACE[department]!;
  return pace === 'silent' ? { action: 'silent' } : { action: 'approve', afterMs: pace, comment: 'OK' };
}

/** One mark per step status, so an application's progress fits on one line. */
const MARK: Record<string, string> = {
  blocked: '·',
  open: '…',
  approved: '✓',
  rejected: '✗',
  returned: '↺',
  skipped: '–',
  cancelled: '⊘',
};

function board(view: AppView): string {
  const steps = view.steps.map((s) => {
    const mark = s.status === 'approved' && s.decidedBy === 'timeout' ? '⏱' : (MARK[s.status] ?? '?');
    return `${mark} ${s.id}${s.overdue ? ' (overdue)' : ''}`;
  });
  return `${view.status.padEnd(21)}${steps.join('  ')}`;
}

const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string) => process.stdout.write(`${stamp()}  ${line}\n`);
const label = (name: string) => name.padEnd(22).slice(0, 22);

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
    // Its own queues on a shared Redis: QUEUE_PREFIX, else derived from a database it was given, as main.ts does.
    queuePrefix:
      config.queuePrefix ?? (config.databaseUrl ? await databaseQueuePrefix(config.databaseUrl) : 'pa-demo'),
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
    `steps: ${Object.entries(MARK)
      .map(([status, mark]) => `${mark} ${status}`)
      .join('  ')}  ⏱ deemed approved`,
  );

  const apps: Played[] = [];
  for (const player of PLAYERS) {
    const auth = await token('applicant', player.sub);
    const view = await call<AppView>('POST', '/applications', auth, {
      workflow: DEMO_WORKFLOW.key,
      data: player.data,
    });
    const name = String(player.data.stallName);
    apps.push({
      ...player,
      id: view.id,
      name,
      token: auth,
      status: view.status,
      board: '',
      resubmitted: false,
    });
    say(`submitted "${name}" (${view.id.slice(0, 8)}): fans out to every department at once`);
  }
  const played = new Map(apps.map((app) => [app.id, app]));

  const restaurantApplicant = await token('applicant', 'zhao-lei');
  const others: Played[] = [];
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
    others.push({
      sub: 'zhao-lei',
      data: {},
      id: view.id,
      name: 'Zhao Lei Kitchen (open-restaurant, working days)',
      token: restaurantApplicant,
      status: view.status,
      board: '',
      resubmitted: false,
    });
    say(
      `submitted "Zhao Lei Kitchen" on the shipped open-restaurant workflow (${view.id.slice(0, 8)}): limits in working days, it stays in review`,
    );
  }

  // Live progress, part one: each application's own event stream, the same one the status page uses.
  const following = apps.map((app) =>
    follow(base, app, (event) => say(`${label(app.name)}  ${describe(event)}`)),
  );

  // The departments at work: each polls its inbox and acts on the demo's tasks; the applicants answer
  // correction requests. A reopened step is a new task, so a department looks at it again (and approves).
  const acted = new Set<string>();
  const looked = new Set<string>();
  const officers = await Promise.all(
    Object.keys(PACE).map(async (department) => ({
      department,
      auth: await token('officer', `${department}-officer`, department),
    })),
  );
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && apps.some((a) => !FINAL.includes(a.status))) {
    for (const { department, auth } of officers) {
      const inbox = await call<{ items: TaskItem[] }>('GET', '/tasks?limit=100', auth);
      for (const task of inbox.items) {
        const app = played.get(task.applicationId);
        if (!app || acted.has(task.id)) continue;
        acted.add(task.id);
        const seen = `${app.id}:${department}`;
        const plan = planFor(app, department, !looked.has(seen));
        looked.add(seen);
        if (plan.action === 'silent') continue;
        const body =
          plan.action === 'return'
            ? { outcome: 'return', comment: plan.comment, fields: plan.fields }
            : { outcome: plan.action, comment: plan.comment };
        setTimeout(() => {
          call('POST', `/tasks/${task.id}/decision`, auth, body).catch((error: Error) =>
            say(`${department}: ${error.message}`),
          );
        }, plan.afterMs);
      }
    }
    for (const app of [...apps, ...others]) {
      const view = await call<AppView>('GET', `/applications/${app.id}`, app.token);
      app.status = view.status;
      // Live progress, part two: an application's steps, whenever one of them changes.
      const line = board(view);
      if (line !== app.board) {
        app.board = line;
        say(`${label(app.name)}  ${line}`);
      }
      if (view.status === 'correction_requested' && app.correction && !app.resubmitted) {
        app.resubmitted = true;
        for (const c of view.corrections)
          say(`${label(app.name)}  to correct (${c.step}): ${c.comment ?? ''} [${c.fields.join(', ')}]`);
        // The applicant takes a moment to fix everything, then answers every request in one resubmission.
        setTimeout(() => {
          call('POST', `/applications/${app.id}/resubmit`, app.token, { data: app.correction })
            .then(() => say(`${label(app.name)}  resubmitted ${JSON.stringify(app.correction)}`))
            .catch((error: Error) => say(`${app.name}: ${error.message}`));
        }, 1500);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await Promise.race([Promise.all(following), new Promise((resolve) => setTimeout(resolve, 3000))]);
  apps.push(...others);

  process.stdout.write(
    '\n  application                                     status                serial (committed)  serial (actual)  parallel (real)  of it the applicant\n',
  );
  for (const app of apps) {
    const view = await call<AppView>('GET', `/applications/${app.id}`, app.token);
    const end = view.decidedAt ? Date.parse(view.decidedAt) : Date.now();
    // The service's own account: the steps this application skipped take no time.
    const { unit, serial } = view.commitment;
    const committed = unit === 'workingDays' ? `${serial} working days` : `${serial} s`;
    const actual = view.steps.reduce(
      (n, s) =>
        s.openedAt ? n + ((s.decidedAt ? Date.parse(s.decidedAt) : end) - Date.parse(s.openedAt)) : n,
      0,
    );
    const real = end - Date.parse(view.submittedAt);
    // Time spent waiting for the applicant's corrections is in the real time but counts against no department.
    const waiting = view.waitingForApplicant;
    const applicantMs =
      waiting.seconds * 1000 + (waiting.waiting && waiting.since ? end - Date.parse(waiting.since) : 0);
    process.stdout.write(
      `  ${app.name.slice(0, 46).padEnd(48)}${view.status.padEnd(22)}${committed.padEnd(20)}${secs(actual).padStart(9)}${secs(real).padStart(17)}${secs(applicantMs).padStart(21)}\n`,
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

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function describe(event: HistoryEvent): string {
  const who = event.actor.role === 'system' ? event.actor.id : `${event.actor.role} ${event.actor.id}`;
  const outcome = event.type === 'decided' ? ` ${String(event.detail?.outcome)}` : '';
  return `${event.type}${outcome}${event.step ? ` · ${event.step}` : ''}  (${who})`;
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
