import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';

/**
 * Drops database `name` through `client` (connected to another database of the same server), once its last
 * connections are gone. A closed app's last pg clients may still be ending (the queue's LISTEN connection ends after
 * its listeners are removed), so the drop waits a bounded while (3 s) for them. A client cut by a forced drop raises
 * an error nobody listens to, which ends its process: `force` cuts what is still there after the wait (tests, whose
 * process is about to end), else the drop fails and the database stays.
 */
export async function dropDatabaseWhenIdle(
  client: pg.Client,
  name: string,
  { force }: { force: boolean },
): Promise<void> {
  for (let polls = 0; polls < 30; polls++) {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0]?.n === 0) break;
    await delay(100);
  }
  await client.query(
    `DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)}${force ? ' WITH (FORCE)' : ''}`,
  );
}
