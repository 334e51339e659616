import { Redis } from 'ioredis';

/** Fixed-window counters: how many hits a key has in the current window, and when the window ends. */
export interface RateStore {
  hit(key: string, windowMs: number, weight?: number): Promise<{ count: number; resetInMs: number }>;
  close(): Promise<void>;
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

  /** Ended windows are dropped, so many one-off addresses cannot grow the map without bound. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.lastSweep = now;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Counters every instance shares, in Redis: INCRBY and a PEXPIRE set once per window, in one round trip. */
export class RedisRateStore implements RateStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // No offline queue: while Redis is away a hit fails at once, and the limiter lets the request through.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', () => undefined);
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

  /** Counted first, before the token is even verified: floods of bad tokens are limited too. */
  async checkAddress(address: string): Promise<Verdict> {
    return this.count(`addr:${address}`, this.limits.perAddress, 'address');
  }

  async checkCaller(caller: string, poll: boolean): Promise<Verdict> {
    return poll
      ? this.count(`poll:${caller}`, this.limits.pollsPerCaller, 'polls')
      : this.count(`caller:${caller}`, this.limits.perCaller, 'caller');
  }

  private async count(key: string, limit: number, name: string): Promise<Verdict> {
    if (limit <= 0) return { allowed: true }; // 0 turns a limit off
    try {
      const { count, resetInMs } = await this.store.hit(key, this.limits.windowMs);
      if (count <= limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)), limit: name };
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
