import type pg from 'pg';

/**
 * Drops database `name` through `client` (connected to another database of the same server). A closed app's last pg
 * clients may still be ending (the queue's LISTEN connection ends after its listeners are removed); cut by a forced
 * drop, such a client raises an error nobody listens to, which ends the process. So the drop waits a bounded while
 * (3 s) for the database's last connection to go, and cuts whatever is still there.
 */
export async function dropDatabaseWhenIdle(client: pg.Client, name: string): Promise<void> {
  for (let polls = 0; polls < 30; polls++) {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0]?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
