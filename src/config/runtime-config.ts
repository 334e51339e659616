import type { Keyring } from '../pii/pii-crypto.util.js';
import type { AppConfig } from './app-config.js';

/** The configuration the running app sees: the database, the JWT secret and the audit key are resolved by then. */
export interface RuntimeConfig extends Omit<
  AppConfig,
  'databaseUrl' | 'jwtSecret' | 'auditSigningKey' | 'queuePrefix' | 'pii'
> {
  readonly databaseUrl: string;
  readonly jwtSecret: string;
  /** PEM (PKCS#8) of the Ed25519 key that signs audit checkpoints. */
  readonly auditSigningKey: string;
  /** Prefix of every BullMQ key (QUEUE_PREFIX, else derived from the database), so deployments share one Redis. */
  readonly queuePrefix: string;
  /** The keys personal data is sealed with (`resolvePiiKeyring`), and how long it is kept once decided. */
  readonly pii: { readonly keyring: Keyring; readonly retentionDays: number | undefined };
}
