import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './support/eventually.js';

const ROOT = join(import.meta.dirname, '..');

/** The real entry point, as `npm start` runs it (from source, through the project's TypeScript hooks). */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

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

  it('runs on the embedded default with no DATABASE_URL or REDIS_URL, and stops the database on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pa-boot-'));
    chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as `postgres` and must reach its folder
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const main = startMain({ DATA_DIR: dataDir, PORT: port, LOG_LEVEL: 'warn' });
    try {
      const health = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/health`)
            .then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }))
            .catch(() => ({ status: 0, body: {} })),
        (r) => r.status === 200,
        { timeoutMs: 60_000, everyMs: 250 },
      );
      expect(health.body).toMatchObject({
        status: 'ok',
        database: 'up',
        queue: 'up',
        queueBackend: 'postgres',
      });
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      // The embedded server is gone with it: its pid file is removed on a clean stop.
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      main.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
