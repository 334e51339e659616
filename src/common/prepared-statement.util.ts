import type { Pool, PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/** A statement prepared once per connection under its name. */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Runs a statement of a hot path as a named prepared statement, so PostgreSQL parses and plans it once per
 * connection rather than on every request, and the rows skip TypeORM's query building and entity mapping. Inside a
 * transaction it runs on the transaction's own connection; otherwise on any connection of the data source's pool.
 * It is still logged through the data source, like every statement TypeORM sends.
 */
export async function runPrepared<Row = Record<string, unknown>>(
  manager: EntityManager,
  statement: NamedStatement,
  values: unknown[],
): Promise<Row[]> {
  const runner = manager.queryRunner;
  const query = { name: statement.name, text: statement.text, values };
  manager.connection.logger.logQuery(statement.text, values, runner);
  if (runner) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query(query)).rows as Row[];
  }
  // TypeORM's PostgreSQL driver keeps its pg pool as `master` (there are no replicas here).
  const pool = (manager.connection.driver as unknown as { master: Pool }).master;
  return (await pool.query(query)).rows as Row[];
}
