import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { isSealedDocument, openDocument, sealDocument } from '../pii/pii-crypto.util.js';
import { canonicalJson } from './canonical-json.util.js';
import { DomainException } from './domain.exception.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';

export type AfterCommit = (effect: () => Promise<void>) => void;
export type Work<T> = (manager: EntityManager, afterCommit: AfterCommit) => Promise<T>;

export interface Response<T = unknown> {
  status: number;
  body: T;
}

export interface IdempotencyRequest {
  caller: string;
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

export interface WorkOptions {
  /**
   * The work writes at most one statement (reads aside), which is atomic by itself: it runs outside a transaction,
   * saving the round trips of BEGIN and COMMIT. Effects still wait for that statement. (The event executor may still
   * open a transaction of its own, for a contended event's locked turn.)
   */
  singleStatement?: boolean;
}

const EFFECT_TIMEOUT_MS = 3000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * One transaction per request (or one statement that commits by itself, see WorkOptions), with effects (queue
 * jobs) run only after the commit: a job must never point at rows that were rolled back. Queue failures do not fail
 * the request; the sweep finds what was not enqueued.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async run<T>(work: Work<T>, options: WorkOptions = {}): Promise<T> {
    const effects: (() => Promise<void>)[] = [];
    const afterCommit: AfterCommit = (effect) => effects.push(effect);
    try {
      return options.singleStatement
        ? await work(this.dataSource.manager, afterCommit)
        : await this.dataSource.transaction((manager) => work(manager, afterCommit));
    } catch (error) {
      // A transaction that failed committed nothing, so its effects must not run. Work outside a transaction
      // registers an effect only once the statement it follows has committed, and that write stands.
      if (!options.singleStatement) effects.length = 0;
      throw error;
    } finally {
      // The commit stands whatever the queue does: a slow or absent queue store delays no response past
      // EFFECT_TIMEOUT_MS, and the sweep enqueues what did not make it.
      await Promise.all(effects.map((effect) => this.runEffect(effect)));
    }
  }

  private async runEffect(effect: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${EFFECT_TIMEOUT_MS} ms`)),
        EFFECT_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([effect(), timeout]);
    } catch (error) {
      this.logger.warn(`after-commit effect failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * With an Idempotency-Key, the key is claimed in the same transaction as the work: a concurrent retry waits on
   * the key's row and then replays the stored response; a retry after a failure runs again, since nothing was kept.
   */
  async idempotent<T>(
    request: IdempotencyRequest,
    work: Work<Response<T>>,
    options: WorkOptions = {},
  ): Promise<Response<T>> {
    if (request.key === undefined) return this.run(work, options);
    if (!KEY_PATTERN.test(request.key)) {
      throw DomainException.invalid('Invalid Idempotency-Key', [
        { path: '$.headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const { key, caller } = request;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.path}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    return this.run(async (manager, afterCommit) => {
      // A key past its time to live is claimed again as new, whether or not the purge has removed it yet: a retry
      // after that is a new request, as documented, not a replay (or a 409 for another body) until the next purge.
      const claimed: unknown[] = await manager.query(
        `INSERT INTO idempotency_keys (caller, key, request_hash, response_status, response_body)
         VALUES ($1, $2, $3, 0, 'null')
         ON CONFLICT (caller, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = 0, response_body = 'null', created_at = now()
           WHERE idempotency_keys.created_at <= now() - make_interval(secs => $4)
         RETURNING key`,
        [caller, key, requestHash, this.config.security.idempotencyKeyTtlSeconds],
      );
      if (claimed.length === 0) {
        const stored = await manager.findOneByOrFail(IdempotencyKeyEntity, { caller, key });
        if (stored.requestHash !== requestHash) {
          throw DomainException.conflict('This Idempotency-Key was already used with another request');
        }
        const body = isSealedDocument(stored.responseBody)
          ? openDocument(this.config.pii.keyring, stored.responseBody, idempotencyContext(caller, key))
          : stored.responseBody;
        return { status: stored.responseStatus, body: body as T };
      }
      const response = await work(manager, afterCommit);
      // Sealed like personal data at rest: an answer may carry the applicant's (the submitted application).
      const sealed = sealDocument(this.config.pii.keyring, response.body, idempotencyContext(caller, key));
      await manager.update(
        IdempotencyKeyEntity,
        { caller, key },
        { responseStatus: response.status, responseBody: sealed },
      );
      return response;
    });
  }
}

/** What a stored answer is bound to: it opens for the same caller and key only. */
export function idempotencyContext(caller: string, key: string): string {
  return `idempotency:${caller}:${key}`;
}
