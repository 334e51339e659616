import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { eventually } from '../../test/support/eventually.js';
import { createDatabase, testConfig } from '../../test/support/test-app.js';
import {
  HISTORY_CHANNEL,
  LISTENER_NAME,
  PgListenerService,
  TASKS_CHANNEL,
  WEBHOOKS_CHANNEL,
} from './pg-listener.service.js';

/** The listening connection against a real PostgreSQL: what it listens to is asked of PostgreSQL itself. */
describe('PgListenerService', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let notifier: pg.Client;

  beforeAll(async () => {
    database = await createDatabase();
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
      await service.subscribe(HISTORY_CHANNEL, () => undefined);
      expect(await service.listening()).toEqual([HISTORY_CHANNEL]);
    } finally {
      await service.onModuleDestroy();
      await gone.drop();
    }
  });

  it('refuses a channel no trigger notifies on', async () => {
    const service = new PgListenerService(testConfig({ databaseUrl: database.url }));
    await expect(service.subscribe('pa_elsewhere', () => undefined)).rejects.toThrow(/no trigger/);
    expect(await service.listening()).toEqual([]);
  });
});
