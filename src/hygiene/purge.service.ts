import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { PiiKeysService } from '../pii/pii-keys.service.js';
import { PiiService } from '../pii/pii.service.js';

/** Rows deleted per statement, so a large backlog never holds locks for long. */
const BATCH = 5000;
const DAY_MS = 86_400_000;

export interface PurgeOutcome {
  idempotencyKeys: number;
  facts: number;
  /** Data keys moved under PII_ACTIVE_KEY. */
  rewrapped: number;
  /** Applications whose personal data was erased (PII_RETENTION_DAYS after their decision). */
  erased: number;
}

/**
 * Deletes what is kept only for a while: idempotency keys past IDEMPOTENCY_KEY_TTL_SECONDS (a retry after that
 * is a new request), cached facts past FACT_CACHE_TTL_SECONDS (they hold other departments' data about the
 * applicant) and personal data of applications decided more than PII_RETENTION_DAYS ago; and finishes a key
 * rotation by re-wrapping data keys under PII_ACTIVE_KEY. Runs in worker processes at start and every
 * PURGE_INTERVAL_MS; several workers may run it at once, each step is idempotent and skips rows another holds.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly pii: PiiService,
    private readonly piiKeys: PiiKeysService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.processRole === 'api') return;
    const tick = () => {
      this.running ??= this.purge()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn(`purge failed: ${(error as Error).message}`))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.config.security.purgeIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async purge(now = new Date()): Promise<PurgeOutcome> {
    const { idempotencyKeyTtlSeconds, factCacheTtlSeconds } = this.config.security;
    const idempotencyKeys = await this.deleteOlder(
      'idempotency_keys',
      'created_at',
      now,
      idempotencyKeyTtlSeconds,
    );
    const facts = await this.deleteOlder('fact_cache', 'fetched_at', now, factCacheTtlSeconds);
    const { retentionDays } = this.config.pii;
    const erased =
      retentionDays === undefined
        ? 0
        : await this.pii.erase(new Date(now.getTime() - retentionDays * DAY_MS), now);
    const rewrapped = await this.piiKeys.rewrap();
    if (idempotencyKeys + facts + erased + rewrapped > 0) {
      this.logger.log(
        `purged ${idempotencyKeys} idempotency keys, ${facts} cached facts and the personal data of ${erased} applications; re-wrapped ${rewrapped} data keys`,
      );
    }
    return { idempotencyKeys, facts, rewrapped, erased };
  }

  private async deleteOlder(table: string, column: string, now: Date, ttlSeconds: number): Promise<number> {
    const before = new Date(now.getTime() - ttlSeconds * 1000);
    let total = 0;
    for (;;) {
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < $1 LIMIT ${BATCH})`,
        [before],
      );
      total += count;
      if (count < BATCH) return total;
    }
  }
}
