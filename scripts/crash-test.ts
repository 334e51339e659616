/**
 * Crashes and restarts under load (`npm run crash-test`). The service runs as a real child process on an embedded
 * PostgreSQL this script owns (behind a TCP forwarder, so that the database can be stopped and started again
 * under a running service), with queues on Redis when REDIS_URL is set, else on PostgreSQL. Scenarios:
 *
 *   kill      kill -9 the service under load, start it again
 *   flush     empty the queue store under load (Redis: every key of the run's prefix; PostgreSQL: BullMQ's tables)
 *   postgres  stop PostgreSQL under a running service: the service must stay up, /health must answer 503 with the
 *             database down, and it must recover by itself once PostgreSQL is back
 *
 * After each: every decision that got a 200 is stored exactly once, no event was applied twice (history seq
 * contiguous, one closing entry per step), no step is left open past its due time once the sweep has run, and every
 * application's hash chain verifies (the history endpoint's verifier).
 *
 *   npm run crash-test -- [--scenario kill,flush,postgres] [--postgres-down-ms 2000]
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startEmbeddedPostgres } from '../src/config/embedded-postgres.js';
import type { EmbeddedPostgres } from '../src/config/embedded-postgres.js';
import { historyViolations, query, storedDecisions, stuckOpenTasks } from './service-checks.js';
import {
  buildService,
  freePort,
  ServiceClient,
  serviceEnv,
  ServiceProcess,
  TcpForwarder,
} from './service-process.js';
import type { ServiceCaller } from './service-process.js';

export const SCENARIOS = ['kill', 'flush', 'postgres'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const JWT_SECRET = 'crash-test-secret-crash-test-secret-0123456789';
const SWEEP_INTERVAL_MS = 1000;
const DEADLOCK_DETECTED = '40P01';
/** Production refuses a generated audit signing key: the run brings its own. */
const AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
/** Nor does it take a generated key for personal data: the run brings one (`kid:base64` of 32 bytes). */
const PII_KEYS = `crash:${randomBytes(32).toString('base64')}`;
/** Due seconds of the step the timer decides: some fall due during the run, some after the disturbance. */
const CLOCK_SECONDS = 3;

const WORKFLOW = {
  key: 'crash-test',
  name: 'Crash test',
  form: { type: 'object', properties: { note: { type: 'string' } } },
  steps: [
    { id: 'desk', name: 'Desk', department: 'ct-desk', timeLimit: { hours: 1 } },
    { id: 'check', name: 'Check', department: 'ct-check', after: ['desk'], timeLimit: { hours: 1 } },
    {
      id: 'clock',
      name: 'Clock',
      department: 'ct-clock',
      timeLimit: { seconds: CLOCK_SECONDS },
      onTimeout: 'approve',
    },
  ],
};
const DEPARTMENTS = ['ct-desk', 'ct-check'];

export interface ScenarioResult {
  scenario: Scenario;
  queueBackend: 'redis' | 'postgres';
  applications: number;
  decisionsOk: number;
  failedCalls: number;
  /** What the scenario saw of the disturbance (health replies, restarts). */
  observed: Record<string, unknown>;
  /** Every broken invariant; empty when the scenario passed. */
  problems: string[];
  seconds: number;
}

const client = new ServiceClient(JWT_SECRET);
const APPLICANT: ServiceCaller = { role: 'applicant', sub: 'ct-ann' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

/** Applicants submitting and officers deciding in closed loops, recording every 200 they got. */
class Load {
  readonly submitted: string[] = [];
  readonly decided: { taskId: string; officer: string }[] = [];
  failedCalls = 0;
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly base: () => string) {}

  start(): void {
    this.loops.push(this.applicant());
    for (const department of DEPARTMENTS) this.loops.push(this.officer(department));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** Resolves once `n` more decisions got a 200 than when called. */
  async moreDecisions(n: number, what: string): Promise<void> {
    const target = this.decided.length + n;
    await until(
      () => Promise.resolve(this.decided.length),
      (d) => d >= target,
      what,
    );
  }

  private async applicant(): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const reply = await client.call(this.base(), {
        method: 'POST',
        path: '/api/v1/applications',
        as: APPLICANT,
        body: { workflow: WORKFLOW.key, data: { note: `application ${i}` } },
      });
      if (reply.status === 201) this.submitted.push((reply.body as { id: string }).id);
      else this.failedCalls++;
      await sleep(reply.status === 201 ? 60 : 200);
    }
  }

  private async officer(department: string): Promise<void> {
    const as = { role: 'officer', sub: `${department}-1`, department };
    while (!this.stopping) {
      const inbox = await client.call(this.base(), {
        method: 'GET',
        path: '/api/v1/tasks?status=open&limit=10',
        as,
      });
      const items = inbox.status === 200 ? (inbox.body as { items: { id: string }[] }).items : [];
      if (inbox.status !== 200) this.failedCalls++;
      if (items.length === 0) await sleep(100);
      await Promise.all(
        items.map(async (task) => {
          const reply = await client.call(this.base(), {
            method: 'POST',
            path: `/api/v1/tasks/${task.id}/decision`,
            as,
            body: { outcome: 'approve' },
          });
          if (reply.status === 200) this.decided.push({ taskId: task.id, officer: as.sub });
          else if (reply.status !== 409) this.failedCalls++;
        }),
      );
    }
  }
}

/** One build of the service and one embedded PostgreSQL (behind a forwarder) for any number of scenarios. */
export class CrashRig {
  private constructor(
    private readonly build: ReturnType<typeof buildService>,
    private readonly dataDir: string,
    private embedded: EmbeddedPostgres,
    private readonly forwarder: TcpForwarder,
    private readonly log: (line: string) => void,
  ) {}

  static async start(log: (line: string) => void = () => undefined): Promise<CrashRig> {
    const build = buildService();
    const dataDir = join(os.tmpdir(), `pa-crash-${randomBytes(4).toString('hex')}`);
    try {
      log(`embedded PostgreSQL in ${dataDir}`);
      const embedded = await startEmbeddedPostgres(dataDir);
      const forwarder = await TcpForwarder.start({
        host: '127.0.0.1',
        port: Number(new URL(embedded.url).port),
      });
      return new CrashRig(build, dataDir, embedded, forwarder, log);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      build.remove();
      throw error;
    }
  }

  /**
   * Runs one scenario on a fresh database; answers what it saw and every broken invariant. `postgresDownMs`: how long
   * PostgreSQL stays stopped once /health has said so (scenario `postgres`).
   */
  async run(scenario: Scenario, { postgresDownMs = 2 * SWEEP_INTERVAL_MS } = {}): Promise<ScenarioResult> {
    this.log(`scenario ${scenario}`);
    const admin = new URL(this.forwarder.url(this.embedded.url));
    admin.pathname = '/postgres';
    const result = await runScenario({
      scenario,
      build: this.build,
      adminUrl: admin.toString(),
      redisUrl: process.env.REDIS_URL || undefined,
      postgresDownMs,
      restartPostgres: async () => {
        await this.embedded.stop();
        return async () => {
          this.embedded = await startEmbeddedPostgres(this.dataDir);
          this.forwarder.retarget({ host: '127.0.0.1', port: Number(new URL(this.embedded.url).port) });
        };
      },
      log: this.log,
    });
    this.log(`scenario ${scenario}: ${result.problems.length === 0 ? 'passed' : 'FAILED'}`);
    return result;
  }

  async close(): Promise<void> {
    await this.forwarder.close();
    await this.embedded.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
    this.build.remove();
  }
}

async function runScenario(context: {
  scenario: Scenario;
  build: ReturnType<typeof buildService>;
  adminUrl: string;
  redisUrl: string | undefined;
  restartPostgres: () => Promise<() => Promise<void>>;
  postgresDownMs: number;
  log: (line: string) => void;
}): Promise<ScenarioResult> {
  const { scenario, build, adminUrl, redisUrl, log } = context;
  const started = Date.now();
  const name = `pa_crash_${scenario}_${randomBytes(3).toString('hex')}`;
  await query(adminUrl, `CREATE DATABASE ${name}`);
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  const port = await freePort();
  const env = serviceEnv(
    { databaseUrl, jwtSecret: JWT_SECRET },
    {
      NODE_ENV: 'production',
      REDIS_URL: redisUrl ?? '',
      QUEUE_PREFIX: name,
      AUDIT_SIGNING_KEY,
      PII_KEYS,
      PORT: String(port),
      PROCESS_ROLE: 'all',
      WORKFLOWS_DIR: join(os.tmpdir(), `${name}-no-workflows`),
      LOG_LEVEL: 'warn',
      SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
      // Each start and restart warms up as production does, briefly.
      WARMUP_MS: '1000',
    },
  );
  let service = ServiceProcess.start(`service (${scenario})`, build.main, env);
  const base = service.baseUrl!;
  const load = new Load(() => base);
  const problems: string[] = [];
  const observed: Record<string, unknown> = {};
  try {
    await service.ready();
    const registered = await client.call(base, {
      method: 'POST',
      path: '/api/v1/workflows',
      as: { role: 'admin', sub: 'ct-admin' },
      body: WORKFLOW,
    });
    if (registered.status !== 201) throw new Error(`registering the workflow: ${registered.status}`);
    load.start();
    await load.moreDecisions(10, 'decisions before the disturbance');

    if (scenario === 'kill') {
      const pid = service.pid;
      await service.stop('SIGKILL');
      log(`killed ${pid} with SIGKILL after ${load.decided.length} decisions; starting again`);
      service = ServiceProcess.start(`service (${scenario}, restarted)`, build.main, env);
      await service.ready();
      observed.restartedAs = service.pid;
    } else if (scenario === 'flush') {
      observed.flushed = redisUrl ? await flushRedis(redisUrl, name) : await flushBullmqTables(databaseUrl);
      log(`flushed the queue store (${String(observed.flushed)}) after ${load.decided.length} decisions`);
    } else {
      const pid = service.pid;
      const bringBack = await context.restartPostgres();
      log(`PostgreSQL stopped after ${load.decided.length} decisions`);
      const down = await until(
        () =>
          fetch(`${base}/health`).then(async (r) => ({
            status: r.status,
            body: await r.json(),
          })),
        (h) => h.status === 503,
        'health 503 while PostgreSQL is down',
        15_000,
      );
      observed.healthWhileDown = down;
      if ((down.body as { database?: string }).database !== 'down')
        problems.push(`/health while PostgreSQL is down says ${JSON.stringify(down.body)}`);
      await sleep(context.postgresDownMs); // let the sweep, the workers and the pools meet the dead database
      if (!service.running) problems.push(`the service exited while PostgreSQL was down:\n${service.tail()}`);
      await bringBack();
      log('PostgreSQL started again');
      const t0 = Date.now();
      await until(
        () =>
          fetch(`${base}/health`)
            .then((r) => r.status)
            .catch(() => 0),
        (s) => s === 200,
        'health 200 again after PostgreSQL returned',
        30_000,
      );
      observed.recoveredInMs = Date.now() - t0;
      observed.samePid = service.running && service.pid === pid;
      if (!service.running)
        problems.push(`the service did not survive the PostgreSQL restart:\n${service.tail()}`);
    }
    await load.moreDecisions(10, 'decisions after the disturbance');
    await load.stop();

    // Every clock step falls due CLOCK_SECONDS after its submission: each must be acted on (by its job, or by
    // the sweep when the job was lost), and nothing else may be left open past its due time.
    await until(
      () =>
        query<{ n: number }>(
          databaseUrl,
          `SELECT count(*)::int AS n FROM tasks WHERE step = 'clock' AND status = 'open'`,
        ),
      (rows) => rows[0]!.n === 0,
      'every deadline acted on',
      (CLOCK_SECONDS + 10) * 1000 + 5 * SWEEP_INTERVAL_MS,
    ).catch((error: Error) => problems.push(error.message));
    const stuck = await until(
      () => stuckOpenTasks(databaseUrl, 0),
      (rows) => rows.length === 0,
      'no step left open past its due time',
      (CLOCK_SECONDS + 10) * 1000 + 5 * SWEEP_INTERVAL_MS,
    ).catch((error: Error) => {
      problems.push(error.message);
      return [];
    });
    observed.stuckOpen = stuck.length;
    const deemed = await query<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM tasks t WHERE t.step = 'clock' AND t.decided_by = 'timeout'`,
    );
    observed.deemedApprovals = deemed[0]!.n;
    problems.push(
      ...(await historyViolations(databaseUrl)).map((v) => `${v.what}: ${JSON.stringify(v.rows)}`),
    );
    const stored = await storedDecisions(databaseUrl);
    const lost = load.decided.filter((d) => stored.get(`${d.taskId}|${d.officer}`) !== 1);
    if (lost.length > 0)
      problems.push(`decisions answered 200 but not stored exactly once: ${JSON.stringify(lost)}`);
    const applications = await query<{ id: string }>(databaseUrl, 'SELECT id FROM applications');
    if (observed.deemedApprovals !== applications.length)
      problems.push(
        `${String(observed.deemedApprovals)} deemed approvals for ${applications.length} applications`,
      );
    for (const { id } of applications) {
      const history = await client.call(base, {
        method: 'GET',
        path: `/api/v1/applications/${id}/history`,
        as: APPLICANT,
      });
      if ((history.body as { chain?: { valid?: boolean } } | null)?.chain?.valid !== true)
        problems.push(`application ${id}: hash chain does not verify (${history.status})`);
    }
    if (!service.running) problems.push(`the service is not running at the end:\n${service.tail()}`);
    return {
      scenario,
      queueBackend: redisUrl ? 'redis' : 'postgres',
      applications: applications.length,
      decisionsOk: load.decided.length,
      failedCalls: load.failedCalls,
      observed,
      problems,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await load.stop();
    await service.stop();
    if (redisUrl) await flushRedis(redisUrl, name).catch(() => 0);
    await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  }
}

/** Deletes every key of the prefix (SCAN + UNLINK; never FLUSHALL: the Redis may be shared). */
async function flushRedis(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return `${deleted} Redis keys`;
}

/** Empties every table of BullMQ's PostgreSQL schema but its migration ledger. */
async function flushBullmqTables(databaseUrl: string): Promise<string> {
  const tables = await query<{ t: string }>(
    databaseUrl,
    `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'bullmq' AND tablename <> 'migration'`,
  );
  // TRUNCATE locks the tables one after another while the workers' transactions hold some of them: PostgreSQL may
  // then break a deadlock by aborting the TRUNCATE, which is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      await query(databaseUrl, `TRUNCATE ${tables.map((r) => r.t).join(', ')} CASCADE`);
      return `${tables.length} bullmq tables`;
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt === 5) throw error;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv.indexOf('--scenario');
  const downArg = process.argv.indexOf('--postgres-down-ms');
  const postgresDownMs = downArg > 0 ? Number(process.argv[downArg + 1]) : undefined;
  const chosen = (arg > 0 ? (process.argv[arg + 1] ?? '') : SCENARIOS.join(',')).split(',');
  const unknown = chosen.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
    process.exit(64);
  }
  const t0 = Date.now();
  const rig = await CrashRig.start((line) =>
    process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`),
  );
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of chosen as Scenario[]) results.push(await rig.run(scenario, { postgresDownMs }));
  } finally {
    await rig.close();
  }
  for (const r of results) {
    console.log(
      `${r.scenario} (${r.queueBackend} queues): ${r.problems.length === 0 ? 'PASS' : 'FAIL'} in ${r.seconds} s; ` +
        `${r.applications} applications, ${r.decisionsOk} decisions answered 200, ${r.failedCalls} calls failed during the disturbance; ` +
        `${JSON.stringify(r.observed)}`,
    );
    for (const p of r.problems) console.log(`  - ${p}`);
  }
  process.exit(results.every((r) => r.problems.length === 0) && results.length === chosen.length ? 0 : 1);
}
