/**
 * The service as real child processes, for the tests and scripts that need one (logs, shutdown, multi-process, crash
 * test): `src/main.ts` (and the migrations) are transpiled once, without type-checking, into a folder under `.data/`
 * (so that `node_modules` and `calendars/` resolve as from `dist/`), and each process runs
 * `node <build>/src/main.js` with the environment a deployment would give it (`serviceEnv`). `ServiceClient` calls
 * it as a signed-in caller. Nothing here is imported by the service itself.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { SignJWT } from 'jose';
import ts from 'typescript';

export const PROJECT_ROOT = join(import.meta.dirname, '..');

/** Transpiles `src/` and `migrations/` (specs left out) into `.data/service-<random>/`; `remove()` deletes it. */
export function buildService(): { main: string; remove: () => void } {
  const out = join(PROJECT_ROOT, '.data', `service-${randomBytes(4).toString('hex')}`);
  for (const folder of ['src', 'migrations']) {
    for (const file of tsFiles(join(PROJECT_ROOT, folder))) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2023,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          isolatedModules: true,
        },
      });
      const target = join(out, relative(PROJECT_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
  }
  // No package.json of its own: the project's, above, makes these ES modules and is where calendars/ is found.
  return { main: join(out, 'src', 'main.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    // Declarations (src/api-client/openapi.d.ts) have nothing to run, and the transpiler refuses them.
    const runnable = entry.name.endsWith('.ts') && !/\.(spec|d)\.ts$/.test(entry.name);
    return runnable ? [path] : [];
  });
}

/**
 * The environment a spawned service starts from: its database, the queue backend REDIS_URL selects for this run
 * (unset: queues on PostgreSQL) and the JWT secret its callers sign with; `more` adds to it or overrides it.
 */
export function serviceEnv(
  base: { databaseUrl: string; jwtSecret: string },
  more: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: base.databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? '',
    JWT_SECRET: base.jwtSecret,
    ...more,
  };
}

/** One running service process; its output is kept so that a test can wait for a line and show it on failure. */
export class ServiceProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly name: string,
    start: { main: string; env: Record<string, string>; keepLines: number; nodeOptions: string[] },
    readonly baseUrl: string | null,
  ) {
    this.child = spawn(process.execPath, [...start.nodeOptions, start.main], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...start.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Per stream, the part of a line a chunk ended in waits for the rest: every kept line is whole.
    const keepFrom = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      const keep = (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        this.output.push(...lines.filter(Boolean));
        if (this.output.length > start.keepLines) this.output.splice(0, this.output.length - start.keepLines);
        for (const listener of this.listeners) listener();
      };
      stream.on('data', (chunk: Buffer) => keep(chunk.toString()));
      stream.on('end', () => keep('\n'));
    };
    keepFrom(this.child.stdout!);
    keepFrom(this.child.stderr!);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        for (const listener of this.listeners) listener();
        resolve({ code, signal });
      }),
    );
  }

  /**
   * Starts `main` with `env`; an API process (PROCESS_ROLE other than worker) listens on `env.PORT`. The last
   * `keepLines` lines of output are kept. `nodeOptions` go before `main` (a TypeScript fixture's loader).
   */
  static start(
    name: string,
    main: string,
    env: Record<string, string>,
    { keepLines = 500, nodeOptions = [] as string[] } = {},
  ): ServiceProcess {
    const base = env.PROCESS_ROLE === 'worker' ? null : `http://127.0.0.1:${env.PORT}`;
    return new ServiceProcess(name, { main, env, keepLines, nodeOptions }, base);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once a line of output matches; rejects when the process exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.output.find((l) => pattern.test(l));
        if (line !== undefined) return done(() => resolve(line));
        if (!this.running)
          return done(() => reject(new Error(`${this.name} exited before ${pattern}:\n${this.tail()}`)));
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.tail()}`)),
          ),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves once the process is up: `path` answers 200 (API) or the worker said it started. */
  async ready(timeoutMs = 60_000, path = '/health'): Promise<void> {
    if (this.baseUrl === null) {
      await this.waitForOutput(/worker started/, timeoutMs);
      return;
    }
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.tail()}`);
      const status = await fetch(this.baseUrl + path)
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 200) return;
      if (Date.now() > until)
        throw new Error(`${this.name} not healthy within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` and goes on; `exited` tells the end. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill(signal);
    return this.exited;
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }
}

export interface ServiceCaller {
  role: string;
  sub: string;
  department?: string;
}

/** Calls a spawned service as a caller, with a token signed by the JWT secret the service was given. */
export class ServiceClient {
  private readonly secret: Uint8Array;

  constructor(jwtSecret: string) {
    this.secret = new TextEncoder().encode(jwtSecret);
  }

  token(caller: ServiceCaller): Promise<string> {
    return new SignJWT({ role: caller.role, ...(caller.department ? { department: caller.department } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(caller.sub)
      .setIssuedAt()
      .sign(this.secret);
  }

  /**
   * One call; the body is the parsed JSON, or null when there is none or it is not JSON (an error page: the status
   * says enough). Status 0 when the service is down, resets the connection or takes over 10 s: expected of a
   * service that is being crashed.
   */
  async call<T = unknown>(
    base: string,
    request: { method: string; path: string; as: ServiceCaller; body?: unknown },
  ): Promise<{ status: number; body: T | null }> {
    try {
      const response = await fetch(base + request.path, {
        method: request.method,
        headers: {
          authorization: `Bearer ${await this.token(request.as)}`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      try {
        return { status: response.status, body: text ? (JSON.parse(text) as T) : null };
      } catch {
        return { status: response.status, body: null };
      }
    } catch {
      return { status: 0, body: null };
    }
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A TCP forwarder on a fixed port to wherever PostgreSQL listens now: the embedded server picks a new port at each
 * start, while a running service keeps the URL it was given.
 */
export class TcpForwarder {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpForwarder> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const forwarder = new TcpForwarder(
      server,
      typeof address === 'object' && address ? address.port : 0,
      target,
    );
    server.on('connection', (socket) => forwarder.forward(socket));
    return forwarder;
  }

  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  /** The URL `url` as seen through the forwarder. */
  url(url: string): string {
    const through = new URL(url);
    through.host = `127.0.0.1:${this.port}`;
    return through.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(socket: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(socket).add(upstream);
    const end = () => {
      socket.destroy();
      upstream.destroy();
      this.sockets.delete(socket);
      this.sockets.delete(upstream);
    };
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    socket.pipe(upstream).pipe(socket);
  }
}
