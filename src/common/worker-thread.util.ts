import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';

type Reply<O> = { ok: true; output: O } | { ok: false; message: string };

export interface WorkerThreadOptions {
  /** The module that calls `serveInWorker`, named as built: `new URL('./x.worker.js', import.meta.url)`. */
  entry: URL;
  /** A call unanswered for this long is given up: its thread is ended, and the next call starts another. */
  timeoutMs: number;
  /** A thread not ready this long after it was started (loading its modules) is given up too; default 60 s. */
  startTimeoutMs?: number;
  /** The thread's own heap limit: a call that needs more ends the thread, not the process. */
  maxHeapMb: number;
}

/** The call was given up after `timeoutMs`. */
export class WorkerThreadTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`a worker thread did not answer within ${timeoutMs} ms`);
    this.name = 'WorkerThreadTimeoutError';
  }
}

interface Call<O> {
  resolve: (output: O) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** The thread's first message: its module is loaded and listening. */
const READY = 'ready';

/**
 * Runs a module's handler on a thread of its own, one call at a time, so that a computation as long as one
 * request's input allows holds that request only, never the event loop every other request is served on. The
 * thread starts with the first call, keeps the process alive only while a call runs, and is ended by `close`, by a
 * call it does not answer in time, or by its own crash; the next call then starts a fresh one. Input and output
 * cross by structured clone: plain data only.
 */
export class WorkerThread<I, O> {
  private worker: Worker | undefined;
  private ready = false;
  private current: Call<O> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: WorkerThreadOptions) {}

  run(input: I): Promise<O> {
    const call = this.tail.then(() => this.call(input));
    this.tail = call.catch(() => undefined);
    return call;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.end(new Error('the worker thread was closed'));
  }

  private call(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('the worker thread was closed'));
    const worker = (this.worker ??= this.start());
    return new Promise<O>((resolve, reject) => {
      this.current = { resolve, reject };
      // A new thread's start (loading its modules) has a limit of its own, not counted against the call's.
      if (this.ready) this.armCallTimer();
      else
        this.arm(
          this.options.startTimeoutMs ?? 60_000,
          (ms) => new Error(`a worker thread did not start within ${ms} ms`),
        );
      worker.ref();
      try {
        worker.postMessage(input);
      } catch (error) {
        this.settle((call) => call.reject(error instanceof Error ? error : new Error(String(error))));
      }
    });
  }

  private start(): Worker {
    const worker = spawn(this.options);
    this.ready = false;
    worker.on('message', (message: Reply<O> | typeof READY) => {
      // An ended thread's last messages arrive as it exits: a late answer must not settle the next call.
      if (worker !== this.worker) return;
      if (message === READY) {
        this.ready = true;
        this.armCallTimer();
        return;
      }
      this.settle((call) =>
        message.ok ? call.resolve(message.output) : call.reject(new Error(message.message)),
      );
    });
    // An uncaught error in the thread is followed by its exit; the first of the two settles the call.
    worker.on('error', (error) => void this.end(error, worker));
    worker.on(
      'exit',
      (code) => void this.end(new Error(`the worker thread exited with code ${code}`), worker),
    );
    // After the listeners: adding the first 'message' listener refs the thread's port again.
    worker.unref();
    return worker;
  }

  private armCallTimer(): void {
    this.arm(this.options.timeoutMs, (ms) => new WorkerThreadTimeoutError(ms));
  }

  /** (Re)arms the running call's one timer: when it fires, the call fails with `error` and its thread ends. */
  private arm(ms: number, error: (ms: number) => Error): void {
    const call = this.current;
    if (!call) return;
    clearTimeout(call.timer);
    call.timer = setTimeout(() => void this.end(error(ms)), ms);
  }

  private settle(answer: (call: Call<O>) => void): void {
    const call = this.current;
    if (!call) return;
    this.current = undefined;
    clearTimeout(call.timer);
    this.worker?.unref();
    answer(call);
  }

  /** Fails the running call, if any, and ends the thread (only `worker`, when named: a later one lives on). */
  private async end(error: Error, worker = this.worker): Promise<void> {
    if (worker !== this.worker || worker === undefined) return;
    this.worker = undefined;
    this.settle((call) => call.reject(error));
    await worker.terminate();
  }
}

function spawn({ entry, maxHeapMb }: WorkerThreadOptions): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } };
  if (existsSync(fileURLToPath(entry))) return new Worker(entry, options);
  // Run from the sources (the tests, `node --import ./scripts/register-ts.mjs`): the thread transpiles the
  // TypeScript beside the missing build as the process does; a thread does not inherit the process's hooks.
  const source = new URL(entry.href.replace(/\.js$/, '.ts'));
  const hooks = new URL('../../scripts/register-ts.mjs', import.meta.url);
  const bootstrap =
    `import { register } from 'node:module'; register(${JSON.stringify(hooks.href)}); ` +
    `await import(${JSON.stringify(source.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

/** In a thread started by WorkerThread: answers each call with `handle`'s result, or its error's message. */
export function serveInWorker<I, O>(handle: (input: I) => O): void {
  const port = parentPort;
  if (!port) throw new Error('serveInWorker runs in a worker thread only');
  const failure = (error: unknown): Reply<O> => ({
    ok: false,
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  port.on('message', (input: I) => {
    let reply: Reply<O>;
    try {
      reply = { ok: true, output: handle(input) };
    } catch (error) {
      reply = failure(error);
    }
    try {
      port.postMessage(reply);
    } catch (error) {
      // An answer that is not plain data fails its call, not the thread.
      port.postMessage(failure(error));
    }
  });
  port.postMessage(READY);
}
