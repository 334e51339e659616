import type { LoggerService } from '@nestjs/common';
import { pino } from 'pino';
import type { LoggerOptions } from 'pino';
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

/** Nest's logger interface over pino, for the lines main.ts writes before the app (and its logger) exists. */
export function bootLogger(level: LogLevel): LoggerService {
  const root = pino(pinoOptions(level));
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
