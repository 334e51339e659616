import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { FactDefinition } from '../definitions/definition.types.js';
import { jsonBodyProblems } from '../common/json-body.util.js';
import { withTimeout } from '../common/timeout-signal.util.js';
import { DisclosuresService } from '../disclosures/disclosures.service.js';
import { FactCacheEntity } from './fact-cache.entity.js';
import { factCredentials, isAllowedFactHost } from './fact-host.util.js';
import { factUrl, urlFields } from './rule.util.js';

export const FACT_DEFAULTS = { timeoutMs: 2000, cacheSeconds: 300 };
/** Retries after a network error or a 5xx/429 answer; a time-out is not retried, it already cost its wait. */
const RETRY_DELAYS_MS = [100, 300];

export type FactResult = { ok: true; value: unknown; cached: boolean } | { ok: false; error: string };

/**
 * Named lookups of other departments' data (数据共享). Called by the rule worker, never inside a request or a
 * transaction. Any failure is a result, not an exception: a fact that cannot be had makes the rule not hold.
 *
 * The URL carries application values and the headers carry the operator's credentials (FACTS_CREDENTIALS): neither
 * is returned, logged or kept in the history. The cache keys a fact by a hash of its URL, not the URL itself.
 */
@Injectable()
export class FactsService {
  private readonly logger = new Logger(FactsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly disclosures: DisclosuresService,
  ) {}

  /** Fact `name` for the application, as the rule of `step` reads it. */
  async lookup(input: {
    applicationId: string;
    step: string;
    name: string;
    fact: FactDefinition;
    data: Record<string, unknown>;
  }): Promise<FactResult> {
    const { applicationId, name, fact, data } = input;
    const url = factUrl(fact.url, data);
    if (url === null) return { ok: false, error: 'the application lacks a value the URL needs' };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { ok: false, error: 'the URL with the application values is not a URL' };
    }
    if (!isAllowedFactHost(target, this.config.factsAllowedHosts)) {
      return { ok: false, error: 'the host is not in FACTS_ALLOWED_HOSTS' };
    }
    const urlHash = `sha256:${createHash('sha256').update(url).digest('hex')}`;
    const cacheSeconds = fact.cacheSeconds ?? FACT_DEFAULTS.cacheSeconds;
    const cached = await this.dataSource.manager.findOneBy(FactCacheEntity, { applicationId, name });
    if (cached && cached.url === urlHash && Date.now() - cached.fetchedAt.getTime() < cacheSeconds * 1000) {
      return { ok: true, value: cached.value, cached: true };
    }
    // The values leave with the request, answered or not: the ledger has the flow before it happens.
    await this.disclosures.recordFactLookup({
      applicationId,
      step: input.step,
      fact: name,
      host: target.host,
      fields: urlFields(fact.url),
    });
    const headers = {
      accept: 'application/json',
      ...factCredentials(target, this.config.security.factsCredentials),
    };
    const result = await this.fetchJson(url, headers, fact.timeoutMs ?? FACT_DEFAULTS.timeoutMs);
    if (result.ok && cacheSeconds > 0) {
      await this.dataSource.manager.upsert(
        FactCacheEntity,
        {
          applicationId,
          name,
          url: urlHash,
          value: result.value,
          fetchedAt: new Date(),
        } as QueryDeepPartialEntity<FactCacheEntity>,
        ['applicationId', 'name'],
      );
    }
    if (!result.ok) this.logger.warn(`fact ${name} for application ${applicationId}: ${result.error}`);
    return result;
  }

  private async fetchJson(
    url: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<FactResult> {
    for (let attempt = 0; ; attempt++) {
      // One signal for the whole exchange: the answer's body must arrive within the time-out too.
      const outcome = await withTimeout(timeoutMs, (signal) =>
        this.fetchOnce({ url, headers, timeoutMs, signal }),
      );
      const delay = RETRY_DELAYS_MS[attempt];
      if (!outcome.retry || delay === undefined) return outcome.result;
      await wait(delay);
    }
  }

  private async fetchOnce({
    url,
    headers,
    timeoutMs,
    signal,
  }: {
    url: string;
    headers: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal;
  }): Promise<{ result: FactResult; retry: boolean }> {
    const fail = (error: string, retry = false) => ({ result: { ok: false as const, error }, retry });
    const maxBytes = this.config.security.factsMaxBytes;
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        redirect: 'error', // a redirect could lead off the allowed hosts
        signal,
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError') return fail(`no answer within ${timeoutMs} ms`);
      // The cause may quote the URL: only its kind is kept.
      return fail(`request failed (${name})`, true);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return fail(`answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
    }
    try {
      if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
        await response.body?.cancel();
        return fail('answer too large');
      }
      const text = await readCapped(response, maxBytes);
      if (text === null) return fail('answer too large');
      const value = JSON.parse(text) as unknown;
      // The fact is cached in jsonb: what jsonb cannot hold is no usable fact.
      if (jsonBodyProblems(value).length > 0) return fail('the answer holds values that cannot be stored');
      return { result: { ok: true, value, cached: false }, retry: false };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError' || signal.aborted)
        return fail(`no answer within ${timeoutMs} ms`);
      return fail('the answer is not JSON');
    }
  }
}

/**
 * The body as text, read chunk by chunk and abandoned as soon as it passes `maxBytes`, so an answer without (or
 * lying in) content-length never grows in memory beyond the cap. Null when too large.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}
