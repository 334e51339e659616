import { Injectable } from '@nestjs/common';
import type { RuntimeConfig } from '../config/runtime-config.js';

type Start = () => void | Promise<void>;

/** Whether a process run with `config` warms up before it serves: an API process with a warm-up time. */
export function warmsUp(config: Pick<RuntimeConfig, 'warmupMs' | 'processRole'>): boolean {
  return config.warmupMs > 0 && config.processRole !== 'worker';
}

/**
 * What waits until the process serves the deployment: its background work (workers, sweeps, checkpoints, purges),
 * its rate limits and its jobs. A process that warms up points its app at a scratch database and sends itself
 * thousands of requests first; a worker running then would take the deployment's jobs and act on the wrong
 * database, a job enqueued then would name rows the deployment does not have, and no client's rate budget should
 * carry the warm-up's requests. Open unless held, which only the process's start does, before the app starts.
 */
@Injectable()
export class StartGate {
  /** The starts held back, in the order they came; null while open. */
  private held: Start[] | null = null;
  private used = false;

  get isOpen(): boolean {
    return this.held === null;
  }

  /** Closes the gate until `open()`; only before anything went through it. */
  hold(): void {
    if (this.used) throw new Error('the start gate can only be held before the app starts');
    this.held ??= [];
  }

  /** Runs `start` now when open (and settles with it), else once `open()` is called. */
  async whenOpen(start: Start): Promise<void> {
    this.used = true;
    if (this.held === null) return start();
    this.held.push(start);
  }

  /** Opens the gate and runs what it held, one after another; a second call finds nothing held. */
  async open(): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    for (const start of held) await start();
  }
}
