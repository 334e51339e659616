import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';

/** Channels the database triggers notify on (migrations LiveNotify and Webhooks). */
export const HISTORY_CHANNEL = 'pa_history';
export const TASKS_CHANNEL = 'pa_tasks';
export const WEBHOOKS_CHANNEL = 'pa_webhooks';
const CHANNELS = [HISTORY_CHANNEL, TASKS_CHANNEL, WEBHOOKS_CHANNEL];
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
 * A channel is listened to only while it has a subscriber: every task and history row notifies, and a process
 * with no event stream open would otherwise be woken, and PostgreSQL's listening backend with it, at every commit
 * of every process, to read notifications it drops.
 */
@Injectable()
export class PgListenerService implements OnModuleDestroy {
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

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
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
   */
  private listen(channel: string): Promise<void> {
    let listened = this.listened.get(channel);
    if (!listened && this.client) {
      const sent: Promise<void> = this.client.query(`LISTEN ${channel}`).then(
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
    this.client.query(`UNLISTEN ${channel}`).catch(() => undefined);
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
