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

/** Receives a notification's payload, or null after a reconnect: whatever was sent meanwhile is lost, resync. */
export type Listener = (payload: string | null) => void;

/**
 * One dedicated PostgreSQL connection per process that LISTENs to the channels the database triggers notify
 * (see CHANNELS), fanned out to every subscriber of this process (event streams, webhook dispatch). Notifications are sent at commit,
 * so a stream hears of a change whichever process made it. Connected on first subscription.
 */
@Injectable()
export class PgListenerService implements OnModuleDestroy {
  private readonly logger = new Logger(PgListenerService.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: RuntimeConfig) {}

  /** Subscribes and resolves once the connection listens, so nothing committed after this call is missed. */
  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    await this.connect();
    return () => set.delete(listener);
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
    const client = new pg.Client({ connectionString: this.config.databaseUrl });
    client.on('notification', (message) => this.emit(message.channel, message.payload ?? ''));
    client.on('error', (error) => {
      if (this.closed) return;
      this.logger.warn(`listening connection lost: ${error.message}`);
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = null;
      setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    });
    await client.connect();
    for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.client) return;
    try {
      await this.connect();
      for (const channel of CHANNELS) this.emit(channel, null);
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
