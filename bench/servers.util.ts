/**
 * The bench's servers: this service and the floor started as a deployment starts them, in their own process groups,
 * stopped as a whole, with the CPU of their process trees read from /proc. Shared by `npm run bench` and
 * `npm run bench:routes`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/config/embedded-postgres.js';
import type { EmbeddedPostgres } from '../src/config/embedded-postgres.js';
import { adminQuery, deleteRedisKeys, log, sleep } from './bench.util.js';

export interface ServerOptions {
  redisUrl: string;
  /** Where the servers write V8 CPU profiles (`--cpu-prof`), the floor's in `floor/`, the service's in `service/`. */
  cpuProfDir: string | undefined;
  /** The checkout whose build the service runs (`dist/` there): this one unless another is named. */
  root?: string;
  /** More of the service's environment (`WARMUP_MS=0` for a cold process, say). */
  env?: Record<string, string>;
  /**
   * Node and V8 flags for the service's processes, before `dist/src/main.js` (`--node-args`): what a deployment
   * could pass to `node` itself, tried in runs that alternate with runs without them.
   */
  nodeArgs?: string[];
}

const ROOT = join(import.meta.dirname, '..');
export const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** Production refuses to run without a key for personal values; the bench's workflow has none to seal. */
const PII_KEYS = `bench:${randomBytes(32).toString('base64')}`;
/** Production refuses a generated audit signing key: the run brings its own. */
const AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

export function serverKind(
  name: string,
): { floor: true } | { floor: false; redis: boolean; apis: number } | null {
  if (name === 'floor') return { floor: true };
  const m = /^svc-(pg|redis)(-2api)?$/.exec(name);
  return m ? { floor: false, redis: m[1] === 'redis', apis: m[2] ? 2 : 1 } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// CPU from /proc: the whole process tree under each root (npm/sh wrappers, PostgreSQL's backends), with the CPU of
// the children each has reaped

const TICKS = 100; // USER_HZ

/** A /proc stat file's parent, CPU of its own (user and system) and of the children it has reaped, in seconds. */
function readStat(path: string): { ppid: number; own: number; reaped: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const seconds = (i: number) => Number(fields[i]) / TICKS;
  return { ppid: Number(fields[1]), own: seconds(11) + seconds(12), reaped: seconds(13) + seconds(14) };
}

export function cpuOfTrees(roots: number[]): number {
  const table = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid, own, reaped } = readStat(`/proc/${entry}/stat`);
      // Its own CPU and that of the children it has reaped: a PostgreSQL backend that exits (a pool closing an idle
      // connection) leaves the live tree, and its CPU would go with it, making a phase's difference negative.
      table.set(Number(entry), { ppid, cpu: own + reaped });
    } catch {
      // gone meanwhile
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let sum = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    sum += table.get(pid)?.cpu ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/**
 * CPU of the main threads of `pids` (JavaScript, and whatever of the garbage collector runs there), leaving out
 * their other threads: V8's compiler and garbage collector helpers, and libuv's pool. A process that saturates
 * saturates its main thread first; the other threads use the other cores.
 */
export function cpuOfMainThreads(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += readStat(`/proc/${pid}/task/${pid}/stat`).own;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes

/** Node's flags for a profile of each process of `kind` in a folder of its own under `cpuProfDir`. */
function cpuProf({ cpuProfDir }: ServerOptions, kind: 'floor' | 'service'): string[] {
  return cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, kind)}`] : [];
}

export interface Started {
  children: ChildProcess[];
  bases: string[];
  output: string[];
}

function startProcess({
  command,
  env,
  output,
  cwd = ROOT,
}: {
  command: string[];
  env: Record<string, string>;
  output: string[];
  cwd?: string;
}): ChildProcess {
  const child = spawn(process.execPath, command, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, stopped as a whole
  });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return child;
}

/** Servers started and not yet stopped: a signal stops them with PostgreSQL, so none is left holding its port. */
const running = new Set<Started>();

export async function startServer(
  name: string,
  databaseUrl: string,
  port: number,
  queuePrefix: string,
  options: ServerOptions,
): Promise<Started> {
  const started: Started = { children: [], bases: [], output: [] };
  running.add(started);
  try {
    await launch(started, { name, databaseUrl, port, queuePrefix, options });
  } catch (error) {
    await stopServer(started);
    throw error;
  }
  return started;
}

async function launch(
  started: Started,
  {
    name,
    databaseUrl,
    port,
    queuePrefix,
    options,
  }: { name: string; databaseUrl: string; port: number; queuePrefix: string; options: ServerOptions },
): Promise<void> {
  const kind = serverKind(name)!;
  const { output, children, bases } = started;
  const env = { DATABASE_URL: databaseUrl, JWT_SECRET: SECRET, NODE_ENV: 'production', HOST: '127.0.0.1' };
  if (kind.floor) {
    children.push(
      startProcess({
        command: [
          ...cpuProf(options, 'floor'),
          '--import',
          './scripts/register-ts.mjs',
          'bench/floor-server.ts',
        ],
        env: { ...env, PORT: String(port) },
        output,
      }),
    );
    bases.push(`http://127.0.0.1:${port}`);
  } else {
    const serviceEnv = {
      ...env,
      AUDIT_SIGNING_KEY,
      PII_KEYS,
      WORKFLOWS_DIR: join(os.tmpdir(), `${queuePrefix}-no-workflows`),
      QUEUE_PREFIX: queuePrefix,
      // The whole load comes from one address, and each officer polls its inbox up to ten times a second: limits
      // far above the load keep the counting (its cost is the service's) but refuse nothing, as the floor does not.
      RATE_LIMIT_PER_ADDRESS: '100000000',
      RATE_LIMIT_PER_CALLER: '100000000',
      RATE_LIMIT_POLLS_PER_CALLER: '100000000',
      ...(kind.redis ? { REDIS_URL: options.redisUrl } : { REDIS_URL: '' }),
      ...options.env,
    };
    const main = [...cpuProf(options, 'service'), ...(options.nodeArgs ?? []), 'dist/src/main.js'];
    if (kind.apis === 1) {
      children.push(
        startProcess({
          command: main,
          env: { ...serviceEnv, PORT: String(port), PROCESS_ROLE: 'all' },
          output,
          cwd: options.root,
        }),
      );
      bases.push(`http://127.0.0.1:${port}`);
    } else {
      // The first API migrates the empty database; the others start once it answers.
      children.push(
        startProcess({
          command: main,
          env: { ...serviceEnv, PORT: String(port), PROCESS_ROLE: 'api' },
          output,
          cwd: options.root,
        }),
      );
      bases.push(`http://127.0.0.1:${port}`);
      await waitHealthy(started, 90_000);
      children.push(
        startProcess({
          command: main,
          env: { ...serviceEnv, PORT: String(port + 1), PROCESS_ROLE: 'api' },
          output,
          cwd: options.root,
        }),
        // The worker has no HTTP listener: it is up once the APIs are.
        startProcess({
          command: main,
          env: { ...serviceEnv, PORT: String(port + 2), PROCESS_ROLE: 'worker' },
          output,
          cwd: options.root,
        }),
      );
      bases.push(`http://127.0.0.1:${port + 1}`);
    }
  }
  await waitHealthy(started, 90_000);
}

async function waitHealthy(server: Started, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const base of server.bases) {
    for (;;) {
      const exited = server.children.find((c) => c.exitCode !== null);
      if (exited) throw new Error(`a server process exited (${exited.exitCode}):\n${server.output.join('')}`);
      const ok = await fetch(`${base}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > until)
        throw new Error(`${base} not healthy within ${timeoutMs} ms:\n${server.output.join('')}`);
      await sleep(200);
    }
  }
}

export async function stopServer(server: Started): Promise<void> {
  const signal = (child: ChildProcess, sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  for (const child of server.children) signal(child, 'SIGTERM');
  const until = Date.now() + 10_000;
  while (server.children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < until)
    await sleep(100);
  for (const child of server.children) signal(child, 'SIGKILL');
  running.delete(server);
}

/** One embedded PostgreSQL for a whole run (fsync and synchronous commit on, as the defaults have them). */
export interface BenchPostgres {
  adminUrl: string;
  /** The postmaster's pid: its process tree is PostgreSQL's CPU. */
  pid: () => number;
  stop: () => Promise<void>;
}

export async function startBenchPostgres(run: string): Promise<BenchPostgres> {
  const dataDir = join(os.tmpdir(), `pa-${run}`);
  log(`embedded PostgreSQL in ${dataDir}`);
  let embedded: EmbeddedPostgres | undefined;
  const stop = async () => {
    await embedded?.stop().catch(() => undefined);
    // As root, a cluster the postgres user could not keep under dataDir is staged elsewhere: remove it too.
    if (embedded) rmSync(embedded.clusterDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([...running].map(stopServer))
        .then(stop)
        .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    embedded = await startEmbeddedPostgres(dataDir);
    const adminUrl = new URL(embedded.url);
    adminUrl.pathname = '/postgres';
    const pidFile = join(embedded.clusterDir, 'postmaster.pid');
    const settings = await adminQuery(
      adminUrl.toString(),
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit')`,
    );
    log(
      `PostgreSQL ${JSON.stringify(Object.fromEntries(settings.rows.map((r: { name: string; setting: string }) => [r.name, r.setting])))}`,
    );
    return {
      adminUrl: adminUrl.toString(),
      pid: () => Number(readFileSync(pidFile, 'utf8').split('\n')[0]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Runs `measure` on one embedded PostgreSQL for the whole run, stopped after whatever happens; answers whether it
 * failed (the error is logged), so that what was measured before the failure is still printed.
 */
export async function onBenchPostgres(
  run: string,
  measure: (pg: BenchPostgres) => Promise<void>,
): Promise<{ failed: boolean }> {
  let pg: BenchPostgres | undefined;
  try {
    pg = await startBenchPostgres(run);
    await measure(pg);
    return { failed: false };
  } catch (error) {
    log(`failed: ${(error as Error).stack}`);
    return { failed: true };
  } finally {
    await pg?.stop();
  }
}

/** What a measurement is given of its server: the processes, and the URL of the fresh database they run on. */
export interface ServerRun {
  server: Started;
  databaseUrl: string;
}

/**
 * Runs `measure` against a fresh server `name` on a fresh database, then stops the server, drops the database and
 * deletes the server's Redis keys, whatever happened. `label` names the database and the queue prefix.
 */
export async function withServer<T>(
  {
    name,
    label,
    pg,
    port,
    options,
  }: { name: string; label: string; pg: BenchPostgres; port: number; options: ServerOptions },
  measure: (run: ServerRun) => Promise<T>,
): Promise<T> {
  const database = `pa_${label}`;
  await adminQuery(pg.adminUrl, `CREATE DATABASE ${database}`);
  const url = new URL(pg.adminUrl);
  url.pathname = `/${database}`;
  let server: Started | undefined;
  try {
    server = await startServer(name, url.toString(), port, label, options);
    // Let the server's start-up work (its first sweep) settle before anything is measured.
    await sleep(1000);
    return await measure({ server, databaseUrl: url.toString() });
  } finally {
    if (server) await stopServer(server);
    await adminQuery(pg.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    if (serverKind(name)?.floor === false) await deleteRedisKeys(options.redisUrl, label).catch(() => 0);
  }
}
