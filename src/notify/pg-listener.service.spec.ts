import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { eventually } from '../../test/support/eventually.js';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import { dataSourceOptions, openDataSource } from '../config/data-source.js';
import {
  HISTORY_CHANNEL,
  LISTENER_NAME,
  PgListenerService,
  TASKS_CHANNEL,
  WEBHOOKS_CHANNEL,
} from './pg-listener.service.js';

/** The service's tables and triggers, as a start would leave them. */
async function migrate(url: string): Promise<void> {
  await (await openDataSource(dataSourceOptions(url))).destroy();
}

/** The listening connection against a real PostgreSQL: what it listens to is asked of PostgreSQL itself. */
describe('PgListenerService', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let notifier: pg.Client;

  beforeAll(async () => {
    database = await createDatabase();
    await migrate(database.url);
    notifier = new pg.Client({ connectionString: database.url });
    await notifier.connect();
  });

  afterAll(async () => {
    await notifier.end();
    await database.drop();
  });

  /** Ends the service's listening connection from the database side, as a restart or a network cut would. */
  const cutListener = () =>
    notifier.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1`,
      [LISTENER_NAME],
    );

  /** A service on the test database, closed after `work` whatever happens. */
  async function withService(work: (service: PgListenerService) => Promise<void>): Promise<void> {
    const service = new PgListenerService(testConfig({ databaseUrl: database.url }));
    try {
      await work(service);
    } finally {
      await service.onModuleDestroy();
    }
  }

  const notify = (channel: string, payload: string) =>
    notifier.query('SELECT pg_notify($1, $2)', [channel, payload]);

  /** A listener that keeps what it hears and can be waited on. */
  function collector() {
    const heard: (string | null)[] = [];
    return { heard, listener: (payload: string | null) => void heard.push(payload) };
  }

  it('listens to a channel only while it has a subscriber', async () => {
    await withService(async (service) => {
      expect(await service.listening()).toEqual([]);

      const webhooks = collector();
      const stopWebhooks = await service.subscribe(WEBHOOKS_CHANNEL, webhooks.listener);
      // The webhook dispatcher alone: task and history notifications, sent at every commit, are not listened to.
      expect(await service.listening()).toEqual([WEBHOOKS_CHANNEL]);

      const first = collector();
      const second = collector();
      const stopFirst = await service.subscribe(TASKS_CHANNEL, first.listener);
      const stopSecond = await service.subscribe(TASKS_CHANNEL, second.listener);
      expect(await service.listening()).toEqual([TASKS_CHANNEL, WEBHOOKS_CHANNEL]);

      await notify(TASKS_CHANNEL, 'one');
      await eventually(
        () => Promise.resolve([first.heard, second.heard]),
        ([a, b]) => a!.length === 1 && b!.length === 1,
      );
      expect(first.heard).toEqual(['one']);

      stopFirst();
      expect(await service.listening()).toEqual([TASKS_CHANNEL, WEBHOOKS_CHANNEL]);
      stopSecond();
      stopSecond(); // twice is harmless
      expect(await service.listening()).toEqual([WEBHOOKS_CHANNEL]);

      // Subscribing again listens again, and hears what is sent from then on.
      const again = collector();
      const stopAgain = await service.subscribe(TASKS_CHANNEL, again.listener);
      expect(await service.listening()).toEqual([TASKS_CHANNEL, WEBHOOKS_CHANNEL]);
      await notify(TASKS_CHANNEL, 'two');
      await eventually(
        () => Promise.resolve(again.heard),
        (heard) => heard.length === 1,
      );
      expect(again.heard).toEqual(['two']);
      stopAgain();
      stopWebhooks();
      expect(await service.listening()).toEqual([]);
    });
  });

  it('after losing its connection, listens again to the channels that have subscribers, and tells them to resync', async () => {
    await withService(async (service) => {
      const history = collector();
      await service.subscribe(HISTORY_CHANNEL, history.listener);
      const tasks = collector();
      const stopTasks = await service.subscribe(TASKS_CHANNEL, tasks.listener);
      stopTasks();
      expect(await service.listening()).toEqual([HISTORY_CHANNEL]);

      await cutListener();
      // The resync signal (null) comes once the connection listens again.
      await eventually(
        () => Promise.resolve(history.heard),
        (heard) => heard.includes(null),
      );
      expect(await service.listening()).toEqual([HISTORY_CHANNEL]);
      await notify(HISTORY_CHANNEL, 'after');
      await eventually(
        () => Promise.resolve(history.heard),
        (heard) => heard.includes('after'),
      );
    });
  });

  it('tells its subscribers to resync also when a new subscription reconnects before the reconnect timer does', async () => {
    await withService(async (service) => {
      const history = collector();
      await service.subscribe(HISTORY_CHANNEL, history.listener);
      await cutListener();
      // Once the service has seen the connection go, a subscription connects again at once.
      await eventually(
        () => service.listening().catch(() => ['still the old connection']),
        (channels) => channels.length === 0,
        { everyMs: 20 },
      );
      await service.subscribe(TASKS_CHANNEL, () => undefined);
      expect(await service.listening()).toEqual([HISTORY_CHANNEL, TASKS_CHANNEL]);
      await eventually(
        () => Promise.resolve(history.heard),
        (heard) => heard.includes(null),
      );
    });
  });

  it('keeps no subscriber whose subscription failed, so its channel is not listened to once the database is back', async () => {
    const gone = await createDatabase();
    const service = new PgListenerService(testConfig({ databaseUrl: gone.url }));
    try {
      await gone.drop();
      await expect(service.subscribe(TASKS_CHANNEL, () => undefined)).rejects.toThrow();
      await notifier.query(`CREATE DATABASE ${gone.name}`);
      await migrate(gone.url);
      await service.subscribe(HISTORY_CHANNEL, () => undefined);
      expect(await service.listening()).toEqual([HISTORY_CHANNEL]);
    } finally {
      await service.onModuleDestroy();
      await gone.drop();
    }
  });

  /** What the triggers ask before they notify: whether some connection listens to `channel`. */
  const listened = async (channel: string) =>
    (await notifier.query<{ on: boolean }>('SELECT pa_listened($1) AS on', [channel])).rows[0]!.on;

  it('has the task and history triggers notify only while some connection listens to their channel', async () => {
    expect([await listened(TASKS_CHANNEL), await listened(HISTORY_CHANNEL)]).toEqual([false, false]);
    await withService(async (service) => {
      const stopTasks = await service.subscribe(TASKS_CHANNEL, () => undefined);
      expect([await listened(TASKS_CHANNEL), await listened(HISTORY_CHANNEL)]).toEqual([true, false]);
      // A second process listening to the same channel keeps it on after the first stops.
      await withService(async (other) => {
        const stopOther = await other.subscribe(TASKS_CHANNEL, () => undefined);
        stopTasks();
        // The UNLISTEN and the row's deletion are sent without waiting; a later statement runs after them.
        expect(await service.listening()).toEqual([]);
        expect(await listened(TASKS_CHANNEL)).toBe(true);
        stopOther();
        expect(await other.listening()).toEqual([]);
      });
      expect(await listened(TASKS_CHANNEL)).toBe(false);
    });
  });

  it('forgets, when a process starts, the listeners of a process killed while it listened', async () => {
    // Pid 0 is no backend's: the row of a connection that has ended.
    await notifier.query(`INSERT INTO notify_listeners (channel, pid) VALUES ('pa_history', 0)`);
    expect(await listened(HISTORY_CHANNEL)).toBe(true);
    await new PgListenerService(testConfig({ databaseUrl: database.url })).onApplicationBootstrap();
    expect(await listened(HISTORY_CHANNEL)).toBe(false);
  });

  it('resolves a subscription only after every writer that looked for listeners before it has committed', async () => {
    const writer = new pg.Client({ connectionString: database.url });
    await writer.connect();
    try {
      // A writer inside its transaction has looked, seen no listener, and will not notify.
      await writer.query('BEGIN');
      expect((await writer.query<{ on: boolean }>(`SELECT pa_listened('pa_tasks') AS on`)).rows[0]!.on).toBe(
        false,
      );
      await withService(async (service) => {
        let resolved = false;
        const subscribed = service
          .subscribe(TASKS_CHANNEL, () => undefined)
          .then((stop) => {
            resolved = true;
            return stop;
          });
        // The listening connection waits for the writer's lock: a subscriber that read now could miss its commit.
        await eventually(
          () =>
            notifier.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = $1 AND wait_event = 'advisory'`,
              [LISTENER_NAME],
            ),
          ({ rows }) => rows[0]!.waiting === 1,
          { everyMs: 20 },
        );
        expect(resolved).toBe(false);
        await writer.query('COMMIT');
        (await subscribed)();
        expect(resolved).toBe(true);
      });
    } finally {
      await writer.end();
    }
  });

  it('refuses a channel no trigger notifies on', async () => {
    const service = new PgListenerService(testConfig({ databaseUrl: database.url }));
    await expect(service.subscribe('pa_elsewhere', () => undefined)).rejects.toThrow(/no trigger/);
    expect(await service.listening()).toEqual([]);
  });
});
