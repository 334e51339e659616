import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import { timersArmed } from '../../test/support/timers.js';
import { createApp } from '../app.factory.js';
import { StartGate } from '../common/start-gate.service.js';
import { withClient } from '../config/pg-client.util.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { warmUp } from './warm-up.util.js';

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
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = await createDatabase();
    // A process that warms up: its start gate is closed until it serves.
    config = testConfig({
      databaseUrl: database.url,
      queuePrefix: database.name,
      config: { warmupMs: 1500 },
    });
  });

  beforeEach(async () => {
    app = await createApp(config);
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  afterAll(async () => {
    await database.drop();
  });

  /** What the app's own data source reads: the database it is on, and what the warm-up could have left there. */
  async function servedDatabase() {
    const [row] = await app
      .get(DataSource)
      .query<{ database: string; applications: number; workflows: string[] }[]>(
        `SELECT current_database() AS database,
              (SELECT count(*)::int FROM applications) AS applications,
              (SELECT coalesce(array_agg(DISTINCT key), '{}') FROM workflow_versions) AS workflows`,
      );
    return row!;
  }

  it('drives the everyday path through the serving app on a scratch database it drops after, and leaves the app on the deployment', async () => {
    const now = Math.floor(Date.now() / 1000);
    const abandoned = `pa_warmup_${now - 3600}_0badf00d`;
    const recent = `pa_warmup_${now}_5eed5eed`;
    await onServer(`CREATE DATABASE ${abandoned}`);
    await onServer(`CREATE DATABASE ${recent}`);
    const warnings: string[] = [];
    const armed = timersArmed('warm-up-load.util');
    try {
      const result = await warmUp({ app, config, durationMs: 1500, warn: (m) => warnings.push(m) });
      // A timer its traffic left armed would run later on the serving process's event loop, among its requests.
      expect(await armed.stop()).toEqual([]);

      expect(warnings).toEqual([]);
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

      // The app is back on the deployment's database, migrated there at its start, with none of the warm-up in it.
      expect(await servedDatabase()).toEqual({ database: database.name, applications: 0, workflows: [] });
      // Its workers and sweeps still wait for the gate, which the process opens once it serves.
      expect(app.get(StartGate).isOpen).toBe(false);
      // Nor did it leave anything under the deployment's prefix on Redis but its queues' names: no job, no
      // rate-limit counter.
      if (config.redisUrl !== undefined) {
        const redis = new Redis(config.redisUrl);
        try {
          const keys = await redis.keys(`${config.queuePrefix}:*`);
          expect(keys.filter((key) => !key.endsWith(':meta'))).toEqual([]);
        } finally {
          redis.disconnect();
        }
      }
    } finally {
      await onServer(`DROP DATABASE IF EXISTS ${abandoned}`);
      await onServer(`DROP DATABASE IF EXISTS ${recent}`);
    }
  });

  it('brings the app back to the deployment and drops its scratch database when the warm-up fails, naming it in the error', async () => {
    const failure = await warmUp({
      app,
      // Tokens the app refuses: the warm-up's first request, registering its workflow, fails.
      config: { ...config, jwtSecret: 'not-the-secret-the-app-verifies-tokens-with' },
      durationMs: 500,
      warn: () => undefined,
    }).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      /^on scratch database pa_warmup_\d+_[0-9a-f]{8}: the warm-up workflow was refused \(401\)/,
    );
    const name = /pa_warmup_\d+_[0-9a-f]{8}/.exec(failure?.message ?? '')?.[0] ?? '';
    expect(await databaseExists(name)).toBe(false);
    expect(await servedDatabase()).toEqual({ database: database.name, applications: 0, workflows: [] });
  });
});
