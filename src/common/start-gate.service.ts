import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';

type Start = () => void | Promise<void>;

/** Whether a process built with `config` warms up before it serves: an API process with a warm-up time. */
export function warmsUp(config: Pick<RuntimeConfig, 'warmupMs' | 'processRole'>): boolean {
  return config.warmupMs > 0 && config.processRole !== 'worker';
}

/**
 * What waits until the process serves the deployment: its background work (workers, sweeps, checkpoints, purges)
 * and its rate limits. A process that warms up points its app at a scratch database and sends itself thousands of
 * requests first; a worker running then would take the deployment's jobs and act on the wrong database, and no
 * client's rate budget should carry the warm-up's requests. Open from the start in a process that does not warm up.
 */
@Injectable()
export class StartGate {
  /** The starts held back, in the order they came; null once open. */
  private held: Start[] | null;

  constructor(@Inject(APP_CONFIG) config: RuntimeConfig) {
    this.held = warmsUp(config) ? [] : null;
  }

  get isOpen(): boolean {
    return this.held === null;
  }

  /** Runs `start` now when open (and settles with it), else once `open()` is called. */
  async whenOpen(start: Start): Promise<void> {
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
