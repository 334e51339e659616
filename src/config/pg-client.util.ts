import pg from 'pg';

/**
 * Runs `work` on a connection of its own, opened for it and ended after, whatever `work` does: for the statements
 * that stand outside the app's pool (a database created or dropped, a server's identity read before the app
 * exists).
 */
export async function withClient<T>(
  connection: string | pg.ClientConfig,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(
    typeof connection === 'string' ? { connectionString: connection } : connection,
  );
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
