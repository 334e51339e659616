import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { dropDatabaseWhenIdle } from '../../src/config/drop-database.js';
import { withClient } from '../../src/config/pg-client.util.js';
import { CONFIG_DEFAULTS } from '../../src/config/app-config.js';
import { SECURITY_DEFAULTS } from '../../src/config/security-config.js';
import type { RuntimeConfig } from '../../src/config/runtime-config.js';
import { ALL_QUEUES } from '../../src/queue/queue-names.util.js';
import { QueueService } from '../../src/queue/queue.service.js';

export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** The key personal data is sealed with in tests, unless a test brings keys of its own. */
export const PII_TEST_KEYRING = { active: 'test', keys: { test: randomBytes(32) } };
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
/** Each test file signs its audit checkpoints with a key of its own. */
export const AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: the Jest global setup should have set it');
  return url;
}

function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(serverUrl(), work);
}

/** A database of its own for one test file, so files run in parallel and on a machine that ran them before. */
export async function createDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `pa_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await admin((c) => dropDatabaseWhenIdle(c, name, { force: true }));
    },
  };
}

export interface TestAppOptions {
  workflowsDir?: string;
  config?: Partial<RuntimeConfig>;
  /** Reuse another app's database: two processes on one database and one queue. */
  databaseUrl?: string;
  queuePrefix?: string;
}

export interface Caller {
  role: 'admin' | 'officer' | 'applicant';
  sub: string;
  department?: string;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The configuration every test process runs with: one place, so a new setting is added once. */
export function testConfig(
  options: Omit<TestAppOptions, 'databaseUrl'> & { databaseUrl: string },
): RuntimeConfig {
  return {
    nodeEnv: 'test',
    production: false,
    databaseUrl: options.databaseUrl,
    redisUrl: process.env.REDIS_URL || undefined,
    jwtSecret: JWT_SECRET,
    dataDir: join(FIXTURES, '..', '.data'),
    port: 0,
    host: '127.0.0.1',
    workflowsDir: options.workflowsDir ?? join(FIXTURES, 'none'),
    calendarsDir: undefined,
    processRole: 'all',
    bodyLimitBytes: CONFIG_DEFAULTS.bodyLimitBytes,
    logLevel: 'error',
    factsAllowedHosts: ['127.0.0.1', 'localhost'],
    sweepIntervalMs: CONFIG_DEFAULTS.sweepIntervalMs,
    eventLockAfterConflicts: CONFIG_DEFAULTS.eventLockAfterConflicts,
    webhookAllowedHosts: ['127.0.0.1', 'localhost'],
    sseHeartbeatMs: CONFIG_DEFAULTS.sseHeartbeatMs,
    security: SECURITY_DEFAULTS,
    auditSigningKey: AUDIT_SIGNING_KEY,
    // Checkpoints only when a test asks for them (on demand, or with a short interval of its own).
    auditCheckpointIntervalMs: 86_400_000,
    shutdownDelayMs: 0,
    metricsToken: undefined,
    queuePrefix: options.queuePrefix ?? 'pa_test',
    pii: { keyring: PII_TEST_KEYRING, retentionDays: undefined },
    warmupMs: 0,
    databasePoolSize: CONFIG_DEFAULTS.databasePoolSize,
    ...options.config,
  };
}

/** Calls a service on `baseUrl` as a signed-in caller, with tokens signed by the tests' JWT secret. */
export class HttpCaller {
  constructor(readonly baseUrl: string) {}

  /** `departments` puts several departments in the claim, as a token of an officer of more than one carries them. */
  async token(
    caller: Caller,
    options: { expiresIn?: string; secret?: string; departments?: string[] } = {},
  ): Promise<string> {
    const department = options.departments ?? caller.department;
    const jwt = new SignJWT({
      role: caller.role,
      ...(department ? { department } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(caller.sub)
      .setIssuedAt();
    if (options.expiresIn) jwt.setExpirationTime(options.expiresIn);
    return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
  }

  /** One HTTP request; `as` signs a token for the caller, `headers` adds or overrides headers. */
  async request<T = any>(
    method: string,
    path: string,
    init: { as?: Caller; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = {};
    if (init.as) headers.authorization = `Bearer ${await this.token(init.as)}`;
    if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, init.headers);
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: init.rawBody ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }
}

/** The real app on a real port, its own database, and the queue backend REDIS_URL selects. */
export class TestApp extends HttpCaller {
  private constructor(
    readonly app: NestFastifyApplication,
    baseUrl: string,
    readonly databaseUrl: string,
    private readonly dropDatabase: (() => Promise<void>) | null,
  ) {
    super(baseUrl);
  }

  static async start(options: TestAppOptions = {}): Promise<TestApp> {
    const database = options.databaseUrl ? null : await createDatabase();
    const databaseUrl = options.databaseUrl ?? database!.url;
    const config = testConfig({
      ...options,
      databaseUrl,
      queuePrefix: options.queuePrefix ?? database?.name,
    });
    let app: NestFastifyApplication | undefined;
    try {
      app = await createApp(config);
      await app.listen({ port: 0, host: '127.0.0.1' });
    } catch (error) {
      // A failed start must not leak its database or its connections.
      await app?.close().catch(() => undefined);
      await database?.drop();
      throw error;
    }
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new TestApp(app, `http://127.0.0.1:${port}`, databaseUrl, database?.drop ?? null);
  }

  async close(): Promise<void> {
    if (process.env.REDIS_URL && this.dropDatabase) {
      const queues = this.app.get(QueueService);
      await Promise.all(
        ALL_QUEUES.map((n) =>
          queues
            .queue(n)
            .obliterate({ force: true })
            .catch(() => undefined),
        ),
      );
    }
    await this.app.close();
    await this.dropDatabase?.();
  }

  query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return withClient(this.databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);
  }
}

export const ADMIN: Caller = { role: 'admin', sub: 'root' };
export const applicant = (sub: string): Caller => ({ role: 'applicant', sub });
export const officer = (department: string, sub = `${department}-officer`): Caller => ({
  role: 'officer',
  sub,
  department,
});
