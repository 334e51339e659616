import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventually } from '../../test/support/eventually.js';
import { MemoryRateStore, RateLimiter, RedisRateStore } from './rate-limit.util.js';
import type { RateStore } from './rate-limit.util.js';

const stores: [string, () => Promise<RateStore>][] = [
  ['memory', () => Promise.resolve(new MemoryRateStore())],
];
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  stores.push([
    'redis',
    async () => {
      const store = new RedisRateStore(url, `rl-spec-${randomUUID()}`);
      await store.ready();
      return store;
    },
  ]);
}

describe.each(stores)('rate limits on the %s store', (_name, makeStore) => {
  let store: RateStore;
  beforeEach(async () => {
    store = await makeStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('counts the address and the caller together and names the first limit passed', async () => {
    const limiter = new RateLimiter(store, {
      windowMs: 60_000,
      perAddress: 3,
      perCaller: 2,
      pollsPerCaller: 5,
    });
    const caller = { id: 'applicant:amy', poll: false };
    expect(await limiter.check('10.0.0.1', caller)).toEqual({ allowed: true });
    expect(await limiter.check('10.0.0.1', caller)).toEqual({ allowed: true });
    expect(await limiter.check('10.0.0.1', caller)).toMatchObject({ allowed: false, limit: 'caller' });
    const fourth = await limiter.check('10.0.0.1', caller);
    expect(fourth).toMatchObject({ allowed: false, limit: 'address' });
    expect(fourth.allowed === false && fourth.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('does not charge the caller for a request its address limit refused', async () => {
    const limiter = new RateLimiter(store, {
      windowMs: 60_000,
      perAddress: 1,
      perCaller: 1,
      pollsPerCaller: 5,
    });
    const caller = { id: 'applicant:bo', poll: false };
    expect(await limiter.check('10.0.0.2', caller)).toEqual({ allowed: true });
    expect(await limiter.check('10.0.0.2', caller)).toMatchObject({ allowed: false, limit: 'address' });
    // From another address the caller has used one request of one, not two.
    expect(await limiter.check('10.0.0.3', caller)).toMatchObject({ allowed: false, limit: 'caller' });
    expect(await limiter.check('10.0.0.4', { id: 'applicant:cy', poll: false })).toEqual({ allowed: true });
  });

  it('charges a poll to the poll budget and skips limits set to 0', async () => {
    const limiter = new RateLimiter(store, {
      windowMs: 60_000,
      perAddress: 0,
      perCaller: 1,
      pollsPerCaller: 2,
    });
    const poll = { id: 'officer:dee', poll: true };
    expect(await limiter.check('10.0.0.5', poll)).toEqual({ allowed: true });
    expect(await limiter.check('10.0.0.5', poll)).toEqual({ allowed: true });
    expect(await limiter.check('10.0.0.5', poll)).toMatchObject({ allowed: false, limit: 'polls' });
    expect(await limiter.check('10.0.0.5', { id: 'officer:dee', poll: false })).toEqual({ allowed: true });
  });
});

const describeRedis = process.env.REDIS_URL ? describe : describe.skip;

describeRedis('rate limits shared by processes through Redis', () => {
  const open = async (prefix: string) => {
    const store = new RedisRateStore(process.env.REDIS_URL ?? '', prefix);
    await store.ready();
    return store;
  };
  /** The shared count of a key, read from Redis itself. */
  const sharedCount = async (prefix: string, key: string) => {
    const redis = new Redis(process.env.REDIS_URL ?? '');
    try {
      return Number(await redis.get(`${prefix}:rl:${key}`));
    } finally {
      redis.disconnect();
    }
  };

  it('counts a small limit in Redis on every request, exactly across processes', async () => {
    const prefix = `rl-spec-${randomUUID()}`;
    const [a, b] = [await open(prefix), await open(prefix)];
    const hits = [{ key: 'caller:x', limit: 3 }];
    expect(await a.hitAll(hits, 60_000)).toBeNull();
    expect(await a.hitAll(hits, 60_000)).toBeNull();
    expect(await b.hitAll(hits, 60_000)).toBeNull();
    expect(await b.hitAll(hits, 60_000)).toMatchObject({ over: 0 });
    await a.close();
    await b.close();
  });

  it('admits a share of a large limit locally and sends those hits to the shared counter', async () => {
    const prefix = `rl-spec-${randomUUID()}`;
    const [a, b] = [await open(prefix), await open(prefix)];
    // 640 per window: a process may admit 10 on its own before it asks Redis.
    for (let i = 0; i < 25; i++) expect(await a.hitAll([{ key: 'addr:y', limit: 640 }], 60_000)).toBeNull();
    await a.close(); // sends what it has not sent yet
    expect(await sharedCount(prefix, 'addr:y')).toBe(25);
    await b.close();
  });

  it('sends the hits admitted locally on its own, every 100 ms, without being asked', async () => {
    const prefix = `rl-spec-${randomUUID()}`;
    const [a, b] = [await open(prefix), await open(prefix)];
    try {
      for (let i = 0; i < 7; i++) expect(await a.hitAll([{ key: 'addr:z', limit: 640 }], 60_000)).toBeNull();
      await eventually(
        () => sharedCount(prefix, 'addr:z'),
        (count) => count === 7,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
