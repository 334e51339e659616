import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { accessSync, constants, statSync } from 'node:fs';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig, resolveAuditSigningKey, resolveJwtSecret } from './config/app-config.js';
import { startEmbeddedPostgres } from './config/embedded-postgres.js';
import { resolvePiiKeyring } from './config/pii-config.js';
import { databaseQueuePrefix } from './config/queue-prefix.js';
import { ReadinessService } from './health/readiness.service.js';
import { bootLogger } from './logging/pino-options.util.js';
import { openConnections, warmUp } from './warmup/warm-up.util.js';
import type { EmbeddedPostgres } from './config/embedded-postgres.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const jwtSecret = resolveJwtSecret(config);
  const auditSigningKey = resolveAuditSigningKey(config);
  const { generated: piiKeyFile, ...keyring } = resolvePiiKeyring(config);
  if (config.calendarsDir !== undefined && !isReadableDirectory(config.calendarsDir)) {
    throw new ConfigError([`CALENDARS_DIR must be a readable directory (got "${config.calendarsDir}")`]);
  }
  // JSON lines from the first one; the app's own logger (nestjs-pino) takes over once it exists.
  Logger.overrideLogger(bootLogger(config.logLevel));
  const logger = new Logger('Main');
  if (piiKeyFile !== undefined) {
    logger.warn(
      `no PII_KEYS: personal data is sealed with the development key in ${piiKeyFile} (kid "local")`,
    );
  }

  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    logger.log(`no DATABASE_URL: starting embedded PostgreSQL in ${config.dataDir}`);
    const verbose = config.logLevel === 'debug' || config.logLevel === 'verbose';
    embedded = await startEmbeddedPostgres(
      config.dataDir,
      verbose ? (line) => logger.debug(line) : undefined,
    );
    if (embedded.staged !== undefined) logger.log(embedded.staged);
  }
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const queuePrefix = config.queuePrefix ?? (await databaseQueuePrefix(databaseUrl));
  if (config.redisUrl !== undefined) logger.log(`queue prefix on Redis: ${queuePrefix}`);

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let stopping = false;
  let warming: Promise<void> | undefined;
  const stop = async (signal: string) => {
    stopping = true;
    // Not ready first, so that orchestrators and load balancers stop sending work; then finish what is in flight.
    app?.get(ReadinessService).beginShutdown();
    logger.log(
      `${signal}: not ready; closing in ${config.shutdownDelayMs} ms, after in-flight requests and jobs`,
    );
    await new Promise((done) => setTimeout(done, config.shutdownDelayMs));
    // A warm-up under way ends by itself (its traffic stops at WARMUP_MS plus 5 s) and drops its scratch database:
    // cut short, it would leave the database for a later start to drop.
    await warming;
    // Ctrl-C reaches the embedded server too (one process group), and it drops our connections at once; a
    // pg client busy at that moment raises the drop as an unhandled error. On the way out that is no news.
    process.on('uncaughtException', (error: Error & { code?: string }) => {
      if (error.code !== ADMIN_SHUTDOWN) throw error;
    });
    await app?.close().catch((error: unknown) => logger.error(String(error)));
    await embedded?.stop();
    process.exit(0);
  };
  // Ours alone, not Nest's enableShutdownHooks: Nest re-raises the signal after closing, which would kill the
  // process before the embedded database is stopped. app.close() runs the shutdown hooks either way.
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));

  const runtime = {
    ...config,
    jwtSecret,
    auditSigningKey,
    databaseUrl,
    queuePrefix,
    pii: { keyring, retentionDays: config.pii.retentionDays },
  };
  /** The warm-up, then its one line: what the process says it did, whether or not a signal came meanwhile. */
  const warmUpAndSay = async (): Promise<void> => {
    try {
      const done = await warmUp({
        config: runtime,
        durationMs: config.warmupMs,
        warn: (message) => logger.warn(message),
      }).finally(() => {
        // The warm-up's app made its quiet logger Nest's: the boot logger speaks until the serving app's takes over.
        Logger.overrideLogger(bootLogger(config.logLevel));
      });
      const line =
        `warmed up in ${done.elapsedMs} ms: ${done.submitted} applications (${done.completed} decided), ` +
        `${done.decided} decisions, ${done.polls} polls, ${done.inboxReads} inbox reads, ` +
        `${done.unexpected} unexpected answers`;
      if (done.unexpected > 0) logger.warn(line);
      else logger.log(line);
    } catch (error) {
      // Only speed is lost: the process serves as it would have without a warm-up.
      logger.warn(`warm-up skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (config.warmupMs > 0 && config.processRole !== 'worker') {
    logger.log(`warming up for ${config.warmupMs} ms on a scratch database before listening`);
    warming = warmUpAndSay();
    await warming;
    // Stopped while warming up: the signal's handler is on its way out, and must not meet a new app on the way.
    if (stopping) return;
  }

  try {
    app = await createApp(runtime);
    if (config.processRole === 'worker') {
      await app.init();
      logger.log('worker started (no HTTP listener)');
    } else {
      // With the warm-up, as a production start: such a process meets its load at once. Elsewhere (development, the
      // tests' many processes on one server) a pool of idle sessions would only cost the server.
      if (config.warmupMs > 0) await openConnections(app, config.databasePoolSize);
      await app.listen({ port: config.port, host: config.host });
      logger.log(`listening on http://${config.host}:${config.port} (docs at /docs)`);
    }
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

function isReadableDirectory(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const ADMIN_SHUTDOWN = '57P01';

main().catch((error: unknown) => {
  // One clear line, not a stack: a bad variable or an invalid workflow file is the operator's to fix.
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`parallel-approvals: cannot start: ${message}\n`);
  process.exit(1);
});
