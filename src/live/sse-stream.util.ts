import type { ServerResponse } from 'node:http';
import { MAX_DELAY_MS } from '../config/security-config.js';
import { sseComment } from './sse.util.js';

/** How long an EventSource waits before reconnecting after a dropped connection. */
const RETRY_MS = 3000;
/**
 * What a stream may hold unsent for a client that stopped reading (a stalled link, a tab left open and frozen):
 * past it the stream is dropped, and the client's reconnect reads afresh. Without it, every change would queue
 * another view in the process's memory for as long as the connection lived.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** Where a stream goes: the hijacked reply's socket, and the headers the reply already carries. */
export interface StreamTarget {
  raw: ServerResponse;
  /** The headers the reply already carries (security headers, CORS): a hijacked reply would send none of them. */
  headers: Record<string, string | number | string[] | undefined>;
}

export interface StreamOptions extends StreamTarget {
  heartbeatMs: number;
  /** When the caller's token stops being accepted (ms since the epoch): the stream ends then, and a reconnect needs a new one. */
  validUntil: number | undefined;
}

/** One open event stream: written to in order, ended once. */
export class SseStream {
  private chain: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly raw: ServerResponse;
  closed = false;
  readonly cleanups: (() => void)[] = [];

  constructor({ raw, headers, heartbeatMs, validUntil }: StreamOptions) {
    this.raw = raw;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      // It carries personal data: no cache may keep it (the API's other answers say the same).
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${RETRY_MS}\n\n`);
    this.timers.push(setInterval(() => this.write(sseComment('heartbeat')), heartbeatMs));
    if (validUntil !== undefined) {
      const left = Math.max(0, Math.min(validUntil - Date.now(), MAX_DELAY_MS));
      this.timers.push(setTimeout(() => this.end(), left));
    }
    raw.on('close', () => this.end());
  }

  /**
   * Queues `text` for the client, unless more than MAX_UNSENT_BYTES already wait for it: then the client is not
   * reading, what is queued may never leave, and the connection goes, not just the stream. Only what was already
   * waiting counts, so one large event still goes out. Written as bytes, so the bound counts bytes, not characters.
   */
  write(text: string): void {
    if (this.closed) return;
    if (this.raw.writableLength > MAX_UNSENT_BYTES) {
      this.end();
      this.raw.destroy();
      return;
    }
    this.raw.write(Buffer.from(text));
  }

  /** `write`, then waits until the client has taken it in: a long replay goes out at the client's pace. */
  async send(text: string): Promise<void> {
    this.write(text);
    if (this.closed || !this.raw.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  /** Runs `work` after every earlier piece of work, so events leave in the order they were read. */
  serial(work: () => Promise<void>, onError: (error: Error) => void): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (error) {
        onError(error as Error);
        this.end();
      }
    });
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const cleanup of this.cleanups) cleanup();
    this.raw.end();
  }
}
