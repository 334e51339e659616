import pg from 'pg';
import { eventually } from './eventually.js';

export interface RowLockOptions {
  /**
   * Whether the requests are where the test wants them, given how many sessions of the database wait for a lock;
   * by default, once as many wait as requests were started.
   */
  until?: (lockWaiters: number) => boolean | Promise<boolean>;
}

/**
 * Holds an application's row lock from a connection of its own while `send` starts its requests, until they are
 * where `until` wants them (by default: as many sessions of the database as it started wait for a lock), then lets
 * them go; answers what they answered. Requests that read the application before they write it have then all read
 * one revision, so all but one of them find it replaced when they write.
 *
 * The waiting sessions are counted from a third connection: inside the holder's transaction PostgreSQL would answer
 * pg_stat_activity from a snapshot taken at its first look.
 */
export async function behindRowLock<T>(
  databaseUrl: string,
  applicationId: string,
  send: () => Promise<T>[],
  options: RowLockOptions = {},
): Promise<T[]> {
  return behindLock(databaseUrl, {
    ...options,
    take: (holder) => holder.query('SELECT id FROM applications WHERE id = $1 FOR UPDATE', [applicationId]),
    send,
  });
}

export interface LockOptions<T> extends RowLockOptions {
  /** Takes the locks, inside the holder's transaction. */
  take: (holder: pg.Client) => Promise<unknown>;
  send: () => Promise<T>[];
  /** What the holder does once the requests wait, before it commits and lets them go. */
  beforeRelease?: (holder: pg.Client) => Promise<unknown>;
}

/** `behindRowLock` for any lock the holder takes, and with a last act of its own before it lets the requests go. */
export async function behindLock<T>(
  databaseUrl: string,
  { take, send, until, beforeRelease }: LockOptions<T>,
): Promise<T[]> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  const watcher = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([holder.connect(), watcher.connect()]);
  try {
    await holder.query('BEGIN');
    await take(holder);
    const sent = send();
    const there = until ?? ((lockWaiters: number) => lockWaiters === sent.length);
    await eventually(
      async () => {
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        const lockWaiters = rows[0]!.n;
        return { lockWaiters, reached: await there(lockWaiters) };
      },
      ({ reached }) => reached,
    );
    await beforeRelease?.(holder);
    await holder.query('COMMIT');
    return await Promise.all(sent);
  } finally {
    await Promise.all([holder.end(), watcher.end()]);
  }
}
