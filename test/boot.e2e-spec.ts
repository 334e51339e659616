import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { withClient } from '../src/config/pg-client.util.js';
import { STAGED_CLUSTER_ROOT } from '../src/config/embedded-postgres.js';
import { freePort, PROJECT_ROOT as ROOT } from '../scripts/service-process.js';
import { eventually } from './support/eventually.js';
import { startMain } from './support/main-process.js';
import { AUDIT_SIGNING_KEY, createDatabase, JWT_SECRET } from './support/test-app.js';

/** The entry point as a production deployment starts it, on a database of its own (and Redis when the run has it). */
async function startProduction(env: Record<string, string>) {
  const database = await createDatabase();
  const port = String(await freePort());
  const main = startMain({
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: database.name } : {}),
    JWT_SECRET,
    AUDIT_SIGNING_KEY,
    PII_KEYS: `boot:${Buffer.alloc(32, 3).toString('base64')}`,
    PORT: port,
    WORKFLOWS_DIR: join(tmpdir(), 'pa-boot-no-workflows'),
    ...env,
  });
  return { database, port, main };
}

/** The pool the warmed-up start is given: more sessions than anything else of the process opens. */
const POOL = 30;

describe('starting the service', () => {
  it('refuses a bad variable with one line naming it, and starts nothing', async () => {
    const main = startMain({ PORT: 'abc', BODY_LIMIT_BYTES: '-1', DATABASE_URL: 'mysql://nope' });
    expect(await main.exited).toBe(1);
    const lines = main.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).toMatch(/BODY_LIMIT_BYTES/);
    expect(lines[0]).toMatch(/DATABASE_URL/);
  });

  it('refuses a CALENDARS_DIR it cannot read with one line naming it, before touching the database', async () => {
    const main = startMain({
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      CALENDARS_DIR: '/nonexistent/calendars',
    });
    expect(await main.exited).toBe(1);
    const { stderr } = main.output();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/CALENDARS_DIR must be a readable directory/);
  });

  it('runs on the embedded default from a copy of the project in a private folder, and stops the database on SIGTERM', async () => {
    // A 0700 folder, like /root or `mktemp -d`: as root, the embedded PostgreSQL runs as `postgres`, which cannot
    // enter it to reach node_modules or .data. The start must stage what it needs elsewhere and open nothing.
    const home = mkdtempSync(join(tmpdir(), 'pa-boot-'));
    const project = join(home, 'project');
    mkdirSync(project);
    for (const entry of readdirSync(ROOT)) {
      if (['node_modules', '.git', '.data', 'dist'].includes(entry)) continue;
      cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
    }
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(project, 'node_modules')]); // hard links: cheap
    const port = String(await freePort());
    const main = startMain({ PORT: port, LOG_LEVEL: 'log' }, project);
    let stagedCluster: string | undefined;
    try {
      const health = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/health`)
            .then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }))
            .catch(() => ({ status: 0, body: {} })),
        (r) => r.status === 200,
        { timeoutMs: 90_000, everyMs: 250 },
      );
      expect(health.body).toMatchObject({
        status: 'ok',
        database: 'up',
        queue: 'up',
        queueBackend: 'postgres',
      });
      const { stdout } = main.output();
      const staged = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg)
        .filter((msg) => msg.includes('runs as the OS user "postgres"'));
      stagedCluster = /is kept in (\S+) /.exec(staged[0] ?? '')?.[1];
      if (process.getuid?.() === 0) {
        expect(staged).toHaveLength(1);
        expect(staged[0]).toMatch(/its binaries are copied to \S+ \(\S+ is closed to it\)/);
        expect(staged[0]).toContain(`its data for ${join(project, '.data')} is kept in`);
        expect(stagedCluster).toBeDefined();
      } else {
        expect(staged).toEqual([]);
      }
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      // A clean stop: nothing on the way out is logged as an error (a worker losing its connection as it closes
      // is expected there).
      const errors = main
        .output()
        .stdout.split('\n')
        .filter((line) => line.startsWith('{') && (JSON.parse(line) as { level: number }).level >= 50);
      expect(errors).toEqual([]);
      // The embedded server is gone with it: its pid file is removed on a clean stop.
      const cluster = stagedCluster ?? join(project, '.data', 'postgres');
      expect(existsSync(join(cluster, 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(false);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    } finally {
      main.child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
      // Where a root start keeps this DATA_DIR's cluster, found or not in the log: this test's alone.
      const hash = createHash('sha256').update(join(project, '.data')).digest('hex').slice(0, 16);
      rmSync(stagedCluster ?? join(STAGED_CLUSTER_ROOT, hash), { recursive: true, force: true });
    }
  }, 180_000);

  it('warms an API process up on a scratch database and opens its pool before it listens, logging none of the warm-up', async () => {
    // A pool far larger than the default, and than the listener's and the queues' connections together: only the
    // opened pool can account for that many sessions, and the setting is seen to reach it.
    const { database, port, main } = await startProduction({
      WARMUP_MS: '1500',
      DATABASE_POOL_SIZE: String(POOL),
    });
    try {
      await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/health`)
            .then((r) => r.status)
            .catch(() => 0),
        (status) => status === 200,
        { timeoutMs: 90_000, everyMs: 250 },
      );
      // The serving app's pool was opened whole before it listened (idle connections last 10 s).
      const { rows } = await withClient(database.url, (client) =>
        client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        ),
      );
      expect(rows[0]?.n).toBeGreaterThanOrEqual(POOL);
      // Lines reach standard output in buffered writes: wait for the serving app's first request line (the health
      // checks above), which comes after everything before it.
      const stdout = await eventually(
        () => Promise.resolve(main.output().stdout),
        (text) => text.includes('"context":"Request"'),
        { timeoutMs: 5_000, everyMs: 100 },
      );
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; context?: string });
      const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line.msg));
      const warming = at(/^warming up for 1500 ms on a scratch database before listening$/);
      const warmed = at(
        /^warmed up in \d+ ms: [1-9]\d* applications \([1-9]\d* decided\), [1-9]\d* decisions, .*, 0 unexpected answers$/,
      );
      const listening = at(/^listening on /);
      expect(warming).toBeGreaterThanOrEqual(0);
      expect(warmed).toBeGreaterThan(warming);
      expect(listening).toBeGreaterThan(warmed);
      // Thousands of warm-up requests, none of them in the log; the serving app logs its own at the set level.
      expect(lines.slice(0, listening).filter((line) => line.context === 'Request')).toEqual([]);
      expect(lines.slice(listening).some((line) => line.context === 'Request')).toBe(true);
      const admin = await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('boot-admin')
        .setIssuedAt()
        .sign(new TextEncoder().encode(JWT_SECRET));
      const workflows = await fetch(`http://127.0.0.1:${port}/api/v1/workflows`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(workflows.status).toBe(200);
      // Nothing the warm-up wrote is in the deployment's database.
      expect(await workflows.json()).toEqual([]);
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
    } finally {
      main.child.kill('SIGKILL');
      await database.drop();
    }
  }, 120_000);

  it('stopped while warming up, lets the warm-up end, never listens and exits cleanly', async () => {
    const { database, main } = await startProduction({
      WARMUP_MS: '1500',
      // No delay: the process must wait for the warm-up (which drops its scratch database), then go on its way
      // out, not build the app that serves.
      SHUTDOWN_DELAY_MS: '0',
    });
    try {
      await eventually(
        () => Promise.resolve(main.output().stdout),
        (stdout) => stdout.includes('warming up for 1500 ms'),
        { timeoutMs: 60_000, everyMs: 50 },
      );
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      const { stdout } = main.output();
      expect(stdout).toMatch(/"msg":"warmed up in \d+ ms/);
      expect(stdout).not.toContain('listening on');
    } finally {
      main.child.kill('SIGKILL');
      await database.drop();
    }
  }, 120_000);
});
