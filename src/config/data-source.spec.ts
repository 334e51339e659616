import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { createDatabase } from '../../test/support/test-app.js';
import { classifyInfrastructureError } from '../common/infrastructure-error.util.js';
import { dataSourceOptions, openDataSource } from './data-source.js';
import { withClient } from './pg-client.util.js';

/** A migration longer than the time-out below: it passes only because migrations run without one. */
class SlowMigration9999999999999 implements MigrationInterface {
  name = 'SlowMigration9999999999999';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('SELECT pg_sleep(0.5)');
  }
  async down(): Promise<void> {}
}

describe('the data source with a statement time-out', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let dataSource: DataSource;
  const withSlow = [...migrations, SlowMigration9999999999999];

  beforeAll(async () => {
    database = await createDatabase();
    // Far above what connecting takes even on a busy machine (a millisecond was not, and failed now and then
    // before any migration ran), and below the slow migration.
    dataSource = await openDataSource({ ...dataSourceOptions(database.url, 200), migrations: withSlow });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('runs the migrations at start without it', async () => {
    await withClient(database.url, async (client) => {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(withSlow.map((migration) => migration.name));
      const tables = await client.query(
        `SELECT 1 FROM information_schema.tables WHERE table_name = 'applications'`,
      );
      expect(tables.rowCount).toBe(1);
    });
  });

  it('gives every connection of the pool the time-out back, the migrations one too', async () => {
    const runners = Array.from({ length: 3 }, () => dataSource.createQueryRunner());
    try {
      for (const runner of runners) {
        const [{ statement_timeout }] = (await runner.query('SHOW statement_timeout')) as [
          { statement_timeout: string },
        ];
        expect(statement_timeout).toBe('200ms');
      }
    } finally {
      await Promise.all(runners.map((runner) => runner.release()));
    }
  });

  it('cancels a statement that runs longer, as a fault of its own kind', async () => {
    const error = await dataSource.query('SELECT pg_sleep(1)').then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ driverError: { code: '57014' } });
    expect(classifyInfrastructureError(error)).toBe('timed_out');
  });
});

describe('the data source without a statement time-out', () => {
  it('sets none on its connections, and opens at most the pool size it is given', () => {
    expect(dataSourceOptions('postgres://x/y', 0).extra).toEqual({ max: 10 });
    expect(dataSourceOptions('postgres://x/y', 250, 4).extra).toEqual({ max: 4, statement_timeout: 250 });
  });
});

describe('the data source with a pool of its own size', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createDatabase();
    dataSource = await openDataSource(dataSourceOptions(database.url, 0, 2));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('runs six statements at once on no more than two sessions, queueing the rest in the pool', async () => {
    const rows = await Promise.all(
      Array.from({ length: 6 }, () =>
        dataSource.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)'),
      ),
    );
    expect(new Set(rows.map(([row]) => row?.pid)).size).toBe(2);
  });
});
