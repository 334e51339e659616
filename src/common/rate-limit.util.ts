import { Redis } from 'ioredis';

/** Fixed-window counters: how many hits a key has in the current window, and when the window ends. */
export interface RateStore {
  hit(key: string, windowMs: number, weight?: number): Promise<{ count: number; resetInMs: number }>;
  /**
   * Counts one hit on each key in order and stops at the first whose count passes its limit (the keys after it are
   * not counted, as if checked one by one): that key's index and the time to its window's end, or null when none
   * did. One round trip for all of them.
   */
  hitAll(hits: readonly RateHit[], windowMs: number): Promise<{ over: number; resetInMs: number } | null>;
  close(): Promise<void>;
}

/** One key to count, and the count it may reach in a window. */
export interface RateHit {
  key: string;
  limit: number;
}

/** One process's counters; enough for a single instance, and the fallback without Redis. */
export class MemoryRateStore implements RateStore {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  private lastSweep = Date.now();

  hit(key: string, windowMs: number, weight = 1): Promise<{ count: number; resetInMs: number }> {
    const now = Date.now();
    if (now - this.lastSweep > windowMs) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += weight;
    return Promise.resolve({ count: window.count, resetInMs: window.endsAt - now });
  }

  async hitAll(
    hits: readonly RateHit[],
    windowMs: number,
  ): Promise<{ over: number; resetInMs: number } | null> {
    for (const [index, { key, limit }] of hits.entries()) {
      const { count, resetInMs } = await this.hit(key, windowMs);
      if (count > limit) return { over: index, resetInMs };
    }
    return null;
  }

  /** Ended windows are dropped, so many one-off addresses cannot grow the map without bound. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.lastSweep = now;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `hitAll` in Redis: KEYS are the counters, ARGV[1] the window in ms, ARGV[1 + i] the limit of KEYS[i]. Returns
 * {i, ms to the window's end} for the first key past its limit, {0, 0} when none is.
 */
const HIT_ALL_SCRIPT = `
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, 1)
  redis.call('PEXPIRE', key, ARGV[1], 'NX')
  if count > tonumber(ARGV[i + 1]) then
    return {i, redis.call('PTTL', key)}
  end
end
return {0, 0}`;

type ScriptedRedis = Redis & {
  paRateHitAll(...args: (string | number)[]): Promise<[number, number]>;
};

/**
 * Counters every instance shares, in Redis: INCRBY and a PEXPIRE set once per window. A request's keys (address,
 * then caller) are counted by one Lua script, so a request costs one round trip to Redis however many limits apply.
 */
export class RedisRateStore implements RateStore {
  private readonly redis: ScriptedRedis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // No offline queue: while Redis is away a hit fails at once, and the limiter lets the request through.
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    }) as ScriptedRedis;
    this.redis.on('error', () => undefined);
    // Sent by EVALSHA, loaded by ioredis on the first NOSCRIPT.
    this.redis.defineCommand('paRateHitAll', { lua: HIT_ALL_SCRIPT });
  }

  async hitAll(
    hits: readonly RateHit[],
    windowMs: number,
  ): Promise<{ over: number; resetInMs: number } | null> {
    if (hits.length === 0) return null;
    const [position, ttl] = await this.redis.paRateHitAll(
      hits.length,
      ...hits.map((hit) => `${this.prefix}:rl:${hit.key}`),
      windowMs,
      ...hits.map((hit) => hit.limit),
    );
    if (Number(position) === 0) return null;
    const resetInMs = Number(ttl);
    return { over: Number(position) - 1, resetInMs: resetInMs > 0 ? resetInMs : windowMs };
  }

  async hit(key: string, windowMs: number, weight = 1): Promise<{ count: number; resetInMs: number }> {
    const full = `${this.prefix}:rl:${key}`;
    const results = await this.redis
      .multi()
      .incrby(full, weight)
      .pexpire(full, windowMs, 'NX')
      .pttl(full)
      .exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? windowMs);
    return { count, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  /** Resolves once connected: without an offline queue, a hit sent earlier fails (and lets its request through). */
  async ready(): Promise<void> {
    if (this.redis.status !== 'ready') await new Promise((resolve) => this.redis.once('ready', resolve));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

export interface RateLimits {
  windowMs: number;
  /** Requests per window from one address, authenticated or not. */
  perAddress: number;
  /** Requests per window by one caller (token subject), polls answered 304 aside. */
  perCaller: number;
  /** Conditional requests (If-None-Match) per window by one caller; a poll not answered 304 also counts above. */
  pollsPerCaller: number;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: string };

/**
 * Per-address and per-caller limits over one store. A conditional GET is charged to the cheaper poll budget; the
 * hook that sees its answer charges the caller's budget too when it was not a 304 (`chargeUnansweredPoll`).
 * A store failure lets the request through: an outage of the counters must not become an outage of the service.
 */
export class RateLimiter {
  constructor(
    private readonly store: RateStore,
    private readonly limits: RateLimits,
  ) {}

  /** A request without a verified caller: its address's limit only. */
  async checkAddress(address: string): Promise<Verdict> {
    return this.check(address, null);
  }

  /**
   * The address's limit and then the caller's (or its poll budget), counted in one round trip to the store. A
   * request refused by its address's limit is not charged to its caller, as when they were counted one by one.
   */
  async check(address: string, caller: { id: string; poll: boolean } | null): Promise<Verdict> {
    const hits: (RateHit & { name: string })[] = [
      { key: `addr:${address}`, limit: this.limits.perAddress, name: 'address' },
    ];
    if (caller) {
      hits.push(
        caller.poll
          ? { key: `poll:${caller.id}`, limit: this.limits.pollsPerCaller, name: 'polls' }
          : { key: `caller:${caller.id}`, limit: this.limits.perCaller, name: 'caller' },
      );
    }
    const counted = hits.filter((hit) => hit.limit > 0); // 0 turns a limit off
    if (counted.length === 0) return { allowed: true };
    try {
      const refused = await this.store.hitAll(counted, this.limits.windowMs);
      if (refused === null) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(refused.resetInMs / 1000)),
        limit: counted[refused.over]!.name,
      };
    } catch {
      return { allowed: true };
    }
  }

  async chargeUnansweredPoll(caller: string): Promise<void> {
    if (this.limits.perCaller <= 0) return;
    await this.store.hit(`caller:${caller}`, this.limits.windowMs).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
