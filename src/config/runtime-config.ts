import type { AppConfig } from './app-config.js';

/** The configuration the running app sees: the database and the JWT secret are resolved by then. */
export interface RuntimeConfig extends Omit<AppConfig, 'databaseUrl' | 'jwtSecret' | 'queuePrefix'> {
  readonly databaseUrl: string;
  readonly jwtSecret: string;
  /** Prefix of every BullMQ key (QUEUE_PREFIX, else derived from the database), so deployments share one Redis. */
  readonly queuePrefix: string;
}
