import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';

/** Channels the database triggers notify on (migrations LiveNotify and Webhooks). */
export const HISTORY_CHANNEL = 'pa_history';
export const TASKS_CHANNEL = 'pa_tasks';
export const WEBHOOKS_CHANNEL = 'pa_webhooks';
const CHANNELS = [HISTORY_CHANNEL, TASKS_CHANNEL, WEBHOOKS_CHANNEL];
/**
 * The channels whose triggers notify only while `notify_listeners` names them (migration NotifyOnlyListened), and
 * the advisory lock each of their writers holds shared from that look to its commit. The webhook outbox notifies
 * only for a subscription that wants the event, and its dispatcher always listens: it needs neither.
 */
const REGISTERED_CHANNELS = new Set([HISTORY_CHANNEL, TASKS_CHANNEL]);
const NOTIFY_CHECK_LOCK = 7_140_312_004;
/** Rows of `notify_listeners` whose connection has ended: their channels would notify nobody. */
const DELETE_STALE = 'DELETE FROM notify_listeners WHERE pid NOT IN (SELECT pid FROM pg_stat_activity)';
const RECONNECT_MS = 1000;
/** The listening connection's application_name. */
export const LISTENER_NAME = 'parallel-approvals-listener';

/** Receives a notification's payload, or null after a reconnect: whatever was sent meanwhile is lost, resync. */
export type Listener = (payload: string | null) => void;

/**
 * One dedicated PostgreSQL connection per process that LISTENs to the channels the database triggers notify
 * (see CHANNELS), fanned out to every subscriber of this process (event streams, webhook dispatch). Notifications
 * are sent at commit, so a stream hears of a change whichever process made it. Connected on first subscription.
 *
 * A channel is listened to only while it has a subscriber, and the task and history triggers notify only while
 * some connection listens to theirs (`notify_listeners`): a commit that notifies waits for the flush of every
 * notifying commit before it, so the event path notifies only when an event stream is open somewhere.
 */
@Injectable()
export class PgListenerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PgListenerService.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  /** The LISTEN sent for each channel on the current connection. */
  private readonly listened = new Map<string, Promise<void>>();
  private closed = false;
  /** A connection was lost since the last one opened: what was notified meanwhile is gone, subscribers resync. */
  private lost = false;

  constructor(@Inject(APP_CONFIG) private readonly config: RuntimeConfig) {}

  /** Subscribes and resolves once the connection listens, so nothing committed after this call is missed. */
  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    if (!CHANNELS.includes(channel)) throw new Error(`no trigger notifies on ${channel}`);
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    const unsubscribe = () => {
      set.delete(listener);
      if (set.size === 0) this.unlisten(channel);
    };
    try {
      await this.connect();
      await this.listen(channel);
    } catch (error) {
      // The caller gets no unsubscribe to call: a listener left here would keep its channel listened to for good.
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** The channels the connection listens to, as PostgreSQL reports them (none while it is not connected). */
  async listening(): Promise<string[]> {
    if (!this.client) return [];
    const { rows } = await this.client.query<{ channel: string }>(
      'SELECT pg_listening_channels() AS channel ORDER BY 1',
    );
    return rows.map((r) => r.channel);
  }

  /** A process killed while it listened left its rows behind: until they go, every event would notify. */
  async onApplicationBootstrap(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.databaseUrl });
    try {
      await client.connect();
      await client.query(DELETE_STALE);
    } catch (error) {
      this.logger.warn(`could not delete the rows of ended listeners: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    // Its rows would go with the connection's pid anyway, but only once another start or connection noticed.
    await this.client
      ?.query('DELETE FROM notify_listeners WHERE pid = pg_backend_pid()')
      .catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private connect(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    // Named, so that pg_stat_activity tells this connection from the pool's.
    const client = new pg.Client({
      connectionString: this.config.databaseUrl,
      application_name: LISTENER_NAME,
    });
    client.on('notification', (message) => this.emit(message.channel, message.payload ?? ''));
    client.on('error', (error) => {
      if (this.closed) return;
      this.logger.warn(`listening connection lost: ${error.message}`);
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = null;
      this.lost = true;
      setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    });
    await client.connect();
    await client.query(DELETE_STALE);
    this.client = client;
    this.listened.clear();
    for (const [channel, set] of this.listeners) if (set.size > 0) await this.listen(channel);
    // Told here, not by the reconnect timer: a new subscription may have reconnected first.
    if (this.lost) {
      this.lost = false;
      for (const channel of CHANNELS) this.emit(channel, null);
    }
  }

  /**
   * LISTENs once per channel. The connection runs its statements in order, so a LISTEN sent after an UNLISTEN of
   * the same channel takes effect after it.
   *
   * A registered channel is also named in `notify_listeners`, in the same transaction, which then takes
   * NOTIFY_CHECK_LOCK exclusively: that waits for every writer that looked for listeners before the row was
   * committed (each holds the lock shared from its look to its commit), and writers that come after wait for this
   * commit and see the row. So once this resolves, every later commit notifies, and every earlier one is visible to
   * whatever the subscriber reads next.
   */
  private listen(channel: string): Promise<void> {
    let listened = this.listened.get(channel);
    if (!listened && this.client) {
      // Several statements in one query run as one transaction. The channel is one of CHANNELS, not input.
      const text = REGISTERED_CHANNELS.has(channel)
        ? `INSERT INTO notify_listeners (channel, pid) VALUES ('${channel}', pg_backend_pid()) ON CONFLICT DO NOTHING;
           LISTEN ${channel};
           SELECT pg_advisory_xact_lock(${NOTIFY_CHECK_LOCK})`
        : `LISTEN ${channel}`;
      const sent: Promise<void> = this.client.query(text).then(
        () => undefined,
        (error: unknown) => {
          // Not kept: the next subscriber (or the reconnect) sends it again.
          if (this.listened.get(channel) === sent) this.listened.delete(channel);
          throw error;
        },
      );
      this.listened.set(channel, (listened = sent));
    }
    return listened ?? Promise.resolve();
  }

  private unlisten(channel: string): void {
    if (!this.listened.delete(channel) || !this.client) return;
    // A failure here is the connection's, which its error handler reconnects; nothing to wait for.
    const text = REGISTERED_CHANNELS.has(channel)
      ? `UNLISTEN ${channel}; DELETE FROM notify_listeners WHERE channel = '${channel}' AND pid = pg_backend_pid()`
      : `UNLISTEN ${channel}`;
    this.client.query(text).catch(() => undefined);
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.client) return;
    try {
      await this.connect();
    } catch (error) {
      this.logger.warn(`listening connection: ${(error as Error).message}`);
      setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    }
  }

  private emit(channel: string, payload: string | null): void {
    for (const listener of this.listeners.get(channel) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error(`listener on ${channel}: ${(error as Error).message}`);
      }
    }
  }
}
