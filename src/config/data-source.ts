import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { HistoryEntity } from '../audit/history.entity.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import { IdempotencyKeyEntity } from '../common/idempotency-key.entity.js';
import { WorkflowVersionEntity } from '../definitions/workflow-version.entity.js';
import { FactCacheEntity } from '../rules/fact-cache.entity.js';
import { TaskEntity } from '../tasks/task.entity.js';
import { migrations } from '../../migrations/index.js';

export const entities = [
  WorkflowVersionEntity,
  ApplicationEntity,
  TaskEntity,
  HistoryEntity,
  IdempotencyKeyEntity,
  FactCacheEntity,
];

/** `synchronize` is never on: the schema only changes through reviewed migrations, run at start. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'all',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: 20 },
  };
}

/** For the TypeORM CLI (`npm run migration:generate`): DATABASE_URL names the database to diff against. */
export default new DataSource(
  dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
);
