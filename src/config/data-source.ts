import { DataSource, MigrationExecutor } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { CheckpointLeafEntity } from '../audit/checkpoint-leaf.entity.js';
import { CheckpointNodeEntity } from '../audit/checkpoint-node.entity.js';
import { CheckpointEntity } from '../audit/checkpoint.entity.js';
import { HistoryEntity } from '../audit/history.entity.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import { IdempotencyKeyEntity } from '../common/idempotency-key.entity.js';
import { WorkflowVersionEntity } from '../definitions/workflow-version.entity.js';
import { DisclosureEntity } from '../disclosures/disclosure.entity.js';
import { RatingEntity } from '../ratings/rating.entity.js';
import { NotifyListenerEntity } from '../notify/notify-listener.entity.js';
import { FactCacheEntity } from '../rules/fact-cache.entity.js';
import { TaskEntity } from '../applications/task.entity.js';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity.js';
import { migrations } from '../../migrations/index.js';
import { CONFIG_DEFAULTS } from './app-config.js';

export const entities = [
  WorkflowVersionEntity,
  ApplicationEntity,
  TaskEntity,
  HistoryEntity,
  IdempotencyKeyEntity,
  FactCacheEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  RatingEntity,
  CheckpointEntity,
  CheckpointLeafEntity,
  CheckpointNodeEntity,
  DisclosureEntity,
  NotifyListenerEntity,
];

/** Any constant will do; it only has to be the same in every process of the service. */
const MIGRATION_LOCK = 7_140_312_001;

/**
 * `synchronize` is never on: the schema only changes through reviewed migrations, run at start.
 * `statementTimeoutMs` (0: none) is each connection's `statement_timeout`: a statement that runs or waits for a lock
 * longer is cancelled by PostgreSQL, so no request holds a connection, its locks and a core indefinitely.
 * `poolSize` is the most connections the pool opens (`DATABASE_POOL_SIZE`).
 */
export function dataSourceOptions(
  url: string,
  statementTimeoutMs = 0,
  poolSize: number = CONFIG_DEFAULTS.databasePoolSize,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTransactionMode: 'all',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: poolSize, ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}) },
  };
}

/**
 * Connects and runs pending migrations under an advisory lock, so several processes starting together on an
 * empty database do not race to create the same tables: one migrates, the others wait and find nothing to do.
 * They run on the lock's connection without a statement time-out: a migration rewriting a large table, or waiting
 * for the lock, may take as long as it takes.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const migrate = new MigrationExecutor(dataSource, runner);
      migrate.transaction = 'all';
      await migrate.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      // Back to the connection's own time-out before the pool hands it to anyone else.
      await runner.query('RESET statement_timeout');
    }
  } catch (error) {
    await dataSource.destroy();
    throw error;
  } finally {
    await runner.release();
  }
  return dataSource;
}

/** For the TypeORM CLI (`npm run migration:generate`): DATABASE_URL names the database to diff against. */
const cliUrl = process.env.DATABASE_URL;
export default new DataSource(dataSourceOptions(cliUrl ?? 'postgres://unset-DATABASE_URL.invalid/none'));
