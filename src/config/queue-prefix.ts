import { createHash } from 'node:crypto';
import { withClient } from './pg-client.util.js';

/**
 * The default queue prefix of a deployment: `pa-` and 12 hex digits of a hash of its PostgreSQL cluster's system
 * identifier and its database name. Two deployments share a prefix only when they share a database, which is what
 * should make them share jobs; every process of one deployment derives the same one. Where the role may not read
 * the control data (`pg_control_system()`), the server's address and port stand in for the cluster.
 */
export async function databaseQueuePrefix(databaseUrl: string): Promise<string> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    const name = rows[0]?.name ?? '';
    let cluster: string;
    try {
      const control = await client.query<{ id: string }>(
        'SELECT system_identifier::text AS id FROM pg_control_system()',
      );
      cluster = control.rows[0]?.id ?? '';
    } catch {
      const url = new URL(databaseUrl);
      cluster = `${url.hostname}:${url.port || '5432'}`;
    }
    return `pa-${createHash('sha256').update(`${cluster}/${name}`).digest('hex').slice(0, 12)}`;
  });
}
