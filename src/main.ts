import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { accessSync, constants, statSync } from 'node:fs';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig, resolveAuditSigningKey, resolveJwtSecret } from './config/app-config.js';
import { startEmbeddedPostgres } from './config/embedded-postgres.js';
import type { EmbeddedPostgres } from './config/embedded-postgres.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const jwtSecret = resolveJwtSecret(config);
  const auditSigningKey = resolveAuditSigningKey(config);
  if (config.calendarsDir !== undefined && !isReadableDirectory(config.calendarsDir)) {
    throw new ConfigError([`CALENDARS_DIR must be a readable directory (got "${config.calendarsDir}")`]);
  }
  const logger = new Logger('Main');

  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    logger.log(`no DATABASE_URL: starting embedded PostgreSQL in ${config.dataDir}`);
    const verbose = config.logLevel === 'debug' || config.logLevel === 'verbose';
    embedded = await withoutForeignSignalHandlers(() =>
      startEmbeddedPostgres(config.dataDir, verbose ? (line) => logger.debug(line) : undefined),
    );
  }
  const databaseUrl = config.databaseUrl ?? embedded!.url;

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  const stop = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
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

  try {
    app = await createApp({ ...config, jwtSecret, auditSigningKey, databaseUrl });
    if (config.processRole === 'worker') {
      await app.init();
      logger.log('worker started (no HTTP listener)');
    } else {
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

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const ADMIN_SHUTDOWN = '57P01';

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM by itself, while the app still holds connections to them;
 * the dropped connections then crash the shutdown. Its signal handlers are removed: ours stop the app first and
 * the database last.
 */
async function withoutForeignSignalHandlers<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const result = await start();
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return result;
}

main().catch((error: unknown) => {
  // One clear line, not a stack: a bad variable or an invalid workflow file is the operator's to fix.
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`parallel-approvals: cannot start: ${message}\n`);
  process.exit(1);
});
