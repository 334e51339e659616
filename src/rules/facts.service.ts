import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { FactDefinition } from '../definitions/definition.types.js';
import { jsonBodyProblems } from '../common/json-body.util.js';
import { FactCacheEntity } from './fact-cache.entity.js';
import { isAllowedFactHost } from './fact-host.util.js';
import { factUrl } from './rule.util.js';

export const FACT_DEFAULTS = { timeoutMs: 2000, cacheSeconds: 300 };
/** Retries after a network error or a 5xx/429 answer; a time-out is not retried, it already cost its wait. */
const RETRY_DELAYS_MS = [100, 300];
const MAX_FACT_BYTES = 1_048_576;

export type FactResult = { ok: true; value: unknown; cached: boolean } | { ok: false; error: string };

/**
 * Named lookups of other departments' data (数据共享). Called by the rule worker, never inside a request or a
 * transaction. Any failure is a result, not an exception: a fact that cannot be had makes the rule not hold.
 */
@Injectable()
export class FactsService {
  private readonly logger = new Logger(FactsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async lookup(
    applicationId: string,
    name: string,
    fact: FactDefinition,
    data: Record<string, unknown>,
  ): Promise<FactResult & { url: string | null }> {
    const url = factUrl(fact.url, data);
    if (url === null) return { ok: false, error: 'the application lacks a value the URL needs', url };
    if (!isAllowedFactHost(new URL(url), this.config.factsAllowedHosts)) {
      return { ok: false, error: `host ${new URL(url).host} is not in FACTS_ALLOWED_HOSTS`, url };
    }
    const cacheSeconds = fact.cacheSeconds ?? FACT_DEFAULTS.cacheSeconds;
    const cached = await this.dataSource.manager.findOneBy(FactCacheEntity, { applicationId, name });
    if (cached && cached.url === url && Date.now() - cached.fetchedAt.getTime() < cacheSeconds * 1000) {
      return { ok: true, value: cached.value, cached: true, url };
    }
    const result = await this.fetchJson(url, fact.timeoutMs ?? FACT_DEFAULTS.timeoutMs);
    if (result.ok && cacheSeconds > 0) {
      await this.dataSource.manager.upsert(
        FactCacheEntity,
        {
          applicationId,
          name,
          url,
          value: result.value,
          fetchedAt: new Date(),
        } as QueryDeepPartialEntity<FactCacheEntity>,
        ['applicationId', 'name'],
      );
    }
    if (!result.ok) this.logger.warn(`fact ${name} for application ${applicationId}: ${result.error}`);
    return { ...result, url };
  }

  private async fetchJson(url: string, timeoutMs: number): Promise<FactResult> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.fetchOnce(url, timeoutMs);
      const delay = RETRY_DELAYS_MS[attempt];
      if (!outcome.retry || delay === undefined) return outcome.result;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async fetchOnce(url: string, timeoutMs: number): Promise<{ result: FactResult; retry: boolean }> {
    const fail = (error: string, retry = false) => ({ result: { ok: false as const, error }, retry });
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error', // a redirect could lead off the allowed hosts
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError') return fail(`no answer within ${timeoutMs} ms`);
      return fail(`request failed: ${(error as Error).message}`, true);
    }
    if (!response.ok) {
      await response.body?.cancel();
      return fail(`answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
    }
    try {
      if (Number(response.headers.get('content-length') ?? 0) > MAX_FACT_BYTES) {
        await response.body?.cancel();
        return fail('answer too large');
      }
      const text = await response.text();
      if (Buffer.byteLength(text) > MAX_FACT_BYTES) return fail('answer too large');
      const value = JSON.parse(text) as unknown;
      // The fact is cached and kept in the history, both jsonb: what jsonb cannot hold is no usable fact.
      if (jsonBodyProblems(value).length > 0) return fail('the answer holds values that cannot be stored');
      return { result: { ok: true, value, cached: false }, retry: false };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return fail(`no answer within ${timeoutMs} ms`);
      return fail('the answer is not JSON');
    }
  }
}
