import type { AppConfig } from './app-config.js';

/** The configuration the running app sees: the database and the JWT secret are resolved by then. */
export interface RuntimeConfig extends Omit<AppConfig, 'databaseUrl' | 'jwtSecret'> {
  readonly databaseUrl: string;
  readonly jwtSecret: string;
  /** Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. */
  readonly queuePrefix: string;
}
