import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { CheckpointService } from './checkpoint.service.js';

/** Ticks this many times per interval, so a checkpoint follows soon after each boundary of the wall clock. */
const TICKS_PER_INTERVAL = 4;

/**
 * Signs a checkpoint every AUDIT_CHECKPOINT_INTERVAL_MS in worker processes, the way the deadline sweep runs:
 * a timer in every process, and PostgreSQL deciding. The checkpoint lock and the "one per interval of the wall
 * clock" rule in CheckpointService make however many processes tick sign one checkpoint per interval; no queue
 * is needed, so a flushed queue cannot stop the signing either.
 */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly checkpoints: CheckpointService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.processRole === 'api') return;
    const every = Math.max(250, Math.floor(this.config.auditCheckpointIntervalMs / TICKS_PER_INTERVAL));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One attempt; a tick while one is under way joins it. */
  tick(): Promise<void> {
    this.running ??= this.checkpoints
      .create('schedule')
      .then((checkpoint) => {
        if (checkpoint) {
          this.logger.log(`signed checkpoint ${checkpoint.seq} over ${checkpoint.leafCount} application(s)`);
        }
      })
      .catch((error: unknown) => this.logger.error(`checkpoint failed: ${(error as Error).message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
