import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/config/data-source.js';
import { startEmbeddedPostgres } from '../src/config/embedded-postgres.js';
import type { EmbeddedPostgres } from '../src/config/embedded-postgres.js';

/**
 * Runs `work` on the service's database straight, as the operator scripts (`audit:verify`, `pii:rotate`) do:
 * DATABASE_URL, else the embedded PostgreSQL in DATA_DIR (the server must be stopped then). Migrations are not
 * run: a script reads or fixes what the service wrote. Both are closed afterwards, whatever happened.
 */
export async function withDatabase<T>(
  config: { databaseUrl: string | undefined; dataDir: string },
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) embedded = await startEmbeddedPostgres(config.dataDir);
  try {
    const dataSource = await new DataSource(
      dataSourceOptions(config.databaseUrl ?? embedded!.url),
    ).initialize();
    try {
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}
