import type { LoggerService } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { pino } from 'pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { LogLevel } from '../config/app-config.js';

/** Nest's levels as pino's. */
const PINO_LEVELS: Record<LogLevel, string> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Keys whose values are form data or what a rule read: masked in any log line that passes an object carrying
 * them, at the top or one level down. No line logs them today (the request line and errors are built without);
 * this keeps a future `logger.warn({ application })` from writing personal data.
 */
export const REDACTED_LOG_PATHS = ['data', 'body', 'read', '*.data', '*.body', '*.read'];

/** JSON lines at the configured level; pretty, one line each, when standard output is a terminal. */
export function pinoOptions(level: LogLevel): LoggerOptions {
  return {
    level: PINO_LEVELS[level],
    redact: { paths: REDACTED_LOG_PATHS, censor: '***' },
    ...(process.stdout.isTTY
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, colorize: true } } }
      : {}),
  };
}

/**
 * Sets the level of the apps' logger. nestjs-pino builds one root logger per process, for the first app built, and
 * every later app logs through it: `createApp` sets it to the level of the app it builds (before the first, there
 * is none yet, and the app's options give it).
 */
export function setAppLogLevel(level: LogLevel): void {
  if (PinoLogger.root !== undefined) PinoLogger.root.level = PINO_LEVELS[level];
}

let stdout: DestinationStream | undefined;

/** At most one complaint a minute that lines were dropped, on standard error (standard output is what is stuck). */
const DROP_NOTICE_MS = 60_000;

/**
 * Standard output, buffered; none on a terminal, where pino-pretty's transport writes. Written line by line, the
 * line logged for every request cost a system call of its own, about a tenth of a poll's CPU; buffered, lines go out
 * in writes of 4 KiB, and at least every 200 ms while any wait. pino writes what is left when the process exits
 * (process.exit and an uncaught error included); a process that dies without exiting (SIGKILL, running out of
 * memory) loses the lines of its last 200 ms. A reader that stops reading holds at most 16 MiB: past that, lines
 * are dropped, and said so on standard error, rather than the process stalled or its memory filled. One stream
 * serves the boot logger and the app's, so that their lines keep their order.
 */
export function logDestination(): DestinationStream | undefined {
  if (process.stdout.isTTY) return undefined;
  if (stdout === undefined) {
    const stream = pino.destination({
      dest: 1,
      sync: false,
      minLength: 4096,
      periodicFlush: 200,
      maxLength: 16 * 1024 * 1024,
    });
    let noticed = -Infinity;
    stream.on('drop', () => {
      const now = Date.now();
      if (now - noticed < DROP_NOTICE_MS) return;
      noticed = now;
      process.stderr.write(
        `${JSON.stringify({ level: 40, time: now, msg: 'log lines dropped: standard output is not being read' })}\n`,
      );
    });
    stdout = stream;
  }
  return stdout;
}

/** Nest's logger interface over pino, for the lines main.ts writes before the app (and its logger) exists. */
export function bootLogger(level: LogLevel): LoggerService {
  const destination = logDestination();
  const root = destination ? pino(pinoOptions(level), destination) : pino(pinoOptions(level));
  const write =
    (method: 'info' | 'error' | 'warn' | 'debug' | 'trace') =>
    (message: unknown, ...rest: unknown[]) => {
      const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
      root[method]({ context }, String(message));
    };
  return {
    log: write('info'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('trace'),
  };
}
