import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import { timersArmed } from '../../test/support/timers.js';
import { createApp } from '../app.factory.js';
import { withClient } from '../config/pg-client.util.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { openConnections, SESSION_PRIMERS, warmUp } from './warm-up.util.js';

/** Runs one query on the test server's maintenance database. */
function onServer<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  return withClient(
    process.env.TEST_DATABASE_URL!,
    async (client) => (await client.query<T>(sql, values)).rows,
  );
}

async function databaseExists(name: string): Promise<boolean> {
  return (await onServer('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

describe('warmUp', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let config: RuntimeConfig;

  beforeAll(async () => {
    database = await createDatabase();
    config = testConfig({ databaseUrl: database.url, queuePrefix: database.name });
  });

  afterAll(async () => {
    await database.drop();
  });

  it('drives the everyday path on a scratch database it drops after, writing nothing to the deployment', async () => {
    const now = Math.floor(Date.now() / 1000);
    const abandoned = `pa_warmup_${now - 3600}_0badf00d`;
    const recent = `pa_warmup_${now}_5eed5eed`;
    await onServer(`CREATE DATABASE ${abandoned}`);
    await onServer(`CREATE DATABASE ${recent}`);
    const redis = config.redisUrl !== undefined ? new Redis(config.redisUrl) : undefined;
    const oldKey = `${config.queuePrefix}.warm-up.${now - 3600}.0badf00d:rl:x`;
    const newKey = `${config.queuePrefix}.warm-up.${now}.5eed5eed:rl:x`;
    await redis?.set(oldKey, '1');
    await redis?.set(newKey, '1');
    const warnings: string[] = [];
    const armed = timersArmed('warm-up-load.util');
    try {
      const result = await warmUp({ config, durationMs: 1500, warn: (m) => warnings.push(m) });
      // A timer its traffic left armed would run later on the serving process's event loop, among its requests.
      // fetch's own clock (undici's FastTimer, one timer for all its time-outs, shared by the process) is not the
      // traffic's: it stops by itself within a second of its last time-out, and may be caught ticking at the end.
      const left = (await armed.stop()).filter((stack) => !stack.includes('FastTimer'));
      expect(left).toEqual([]);

      expect(warnings).toEqual([]);
      // Its twelve applicants start on all six workflows at once: one that refused the data would count here.
      expect(result.unexpected).toBe(0);
      expect(result.completed).toBeGreaterThan(0);
      expect(result.submitted).toBeGreaterThanOrEqual(result.completed);
      // Four of the five steps need an officer whenever the rule approves the fifth, five otherwise.
      expect(result.decided).toBeGreaterThanOrEqual(4 * result.completed);
      expect(result.polls).toBeGreaterThan(0);
      expect(result.inboxReads).toBeGreaterThan(0);
      expect(result.scratchDatabase).toMatch(/^pa_warmup_\d+_[0-9a-f]{8}$/);
      expect(await databaseExists(result.scratchDatabase)).toBe(false);
      // A crashed warm-up's database is dropped by the next one; another process's running one is left alone.
      expect(await databaseExists(abandoned)).toBe(false);
      expect(await databaseExists(recent)).toBe(true);

      const tables = await withClient(database.url, (client) =>
        client.query(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'applications'",
        ),
      );
      // The deployment's database was never even migrated by the warm-up: it is the serving app's to do.
      expect(tables.rows).toEqual([]);
      if (redis !== undefined) {
        // Its own keys are gone, and so are a killed warm-up's; a running one's are left alone.
        expect(await redis.keys(`${config.queuePrefix}.warm-up.*`)).toEqual([newKey]);
      }
    } finally {
      await redis?.del(oldKey, newKey);
      redis?.disconnect();
      await onServer(`DROP DATABASE IF EXISTS ${abandoned}`);
      await onServer(`DROP DATABASE IF EXISTS ${recent}`);
    }
  });

  it('drops its scratch database when the warm-up app cannot start, and names it in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pa-warm-up-'));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    try {
      const failure = await warmUp({
        config: { ...config, workflowsDir: dir },
        durationMs: 500,
        warn: () => undefined,
      }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/^on scratch database pa_warmup_\d+_[0-9a-f]{8}: Workflow file/);
      const name = /pa_warmup_\d+_[0-9a-f]{8}/.exec(failure?.message ?? '')?.[0] ?? '';
      expect(await databaseExists(name)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens every session of the pool with the everyday statements prepared, writing nothing', async () => {
    // Last: the first test holds the deployment's database unmigrated, and the serving app migrates it.
    const app = await createApp(config);
    try {
      await openConnections(app, config.databasePoolSize);
      const pool = (app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
      const clients = await Promise.all(
        Array.from({ length: config.databasePoolSize }, () => pool.connect()),
      );
      try {
        const sessions = await Promise.all(
          clients.map(async (client) => ({
            pid: (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
            prepared: (await client.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).rows
              .map((r) => r.name)
              .sort(),
          })),
        );
        expect(new Set(sessions.map((s) => s.pid)).size).toBe(config.databasePoolSize);
        const primed = SESSION_PRIMERS.map((p) => p.statement.name).sort();
        for (const session of sessions) expect(session.prepared).toEqual(expect.arrayContaining(primed));
      } finally {
        for (const client of clients) client.release();
      }
      const [counts] = await app
        .get(DataSource)
        .query<{ applications: number; tasks: number; history: number }[]>(
          'SELECT (SELECT count(*)::int FROM applications) AS applications, (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM history) AS history',
        );
      expect(counts).toEqual({ applications: 0, tasks: 0, history: 0 });
    } finally {
      await app.close();
    }
  });
});
