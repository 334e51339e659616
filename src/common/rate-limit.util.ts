import { Redis } from 'ioredis';

/** Fixed-window counters: how many hits a key has in the current window, and when the window ends. */
export interface RateStore {
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

  hitAll(hits: readonly RateHit[], windowMs: number): Promise<{ over: number; resetInMs: number } | null> {
    for (const [index, { key, limit }] of hits.entries()) {
      const { count, resetInMs } = this.hit(key, windowMs);
      if (count > limit) return Promise.resolve({ over: index, resetInMs });
    }
    return Promise.resolve(null);
  }

  private hit(key: string, windowMs: number): { count: number; resetInMs: number } {
    const now = Date.now();
    if (now - this.lastSweep > windowMs) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAt - now };
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
 * `hitAll` in Redis: KEYS are the counters, ARGV[1] the window in ms, then for each KEYS[i] its weight (ARGV[2i])
 * and limit (ARGV[2i + 1]). Returns {i of the first key past its limit or 0, then count and ms to the window's end
 * of each key counted}.
 */
const HIT_ALL_SCRIPT = `
local result = {0}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, ARGV[2 * i])
  redis.call('PEXPIRE', key, ARGV[1], 'NX')
  table.insert(result, count)
  table.insert(result, redis.call('PTTL', key))
  if count > tonumber(ARGV[2 * i + 1]) then
    result[1] = i
    return result
  end
end
return result`;

type ScriptedRedis = Redis & {
  paRateHitAll(...args: (string | number)[]): Promise<number[]>;
};

/** How much of a limit one process may admit on its own between two syncs: 1/64 of it. */
const LOCAL_SHARE = 64;
/** How often a process sends the hits it admitted on its own. */
const SYNC_EVERY_MS = 100;
/** The limit sent with a sync, which refuses nothing. */
const NO_LIMIT = '1e300';

/** What one process knows of a shared counter: its count at the last round trip, and the hits not sent since. */
interface LocalCount {
  known: number;
  pending: number;
  endsAt: number;
}

/**
 * Counters every instance shares, in Redis: INCRBY and a PEXPIRE set once per window.
 *
 * A request's keys (address, then caller) take at most one round trip, a Lua script, and usually none: while a
 * counter is far from its limit, a process admits up to 1/64 of the limit on its own and sends those hits in one
 * batch every 100 ms. Near the limit (the last count it saw plus its own hits would pass it), or once it has
 * admitted its share unsent, it asks Redis, with the unsent hits added. The bound this keeps: in any window a
 * counter passes its limit by at most 1/64 of the limit for each other process (the hits they admitted and have not
 * sent yet), and not at all with one process; limits under 64 are counted in Redis on every request, exactly.
 */
export class RedisRateStore implements RateStore {
  private readonly redis: ScriptedRedis;
  private readonly local = new Map<string, LocalCount>();
  /**
   * The keys of `local` with hits not sent yet: a sync walks these alone, not every address and caller of the
   * window, and drops ended windows from `local` once per window (as MemoryRateStore does).
   */
  private readonly unsent = new Set<string>();
  private lastSweep = Date.now();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  /** The window last asked for, sent with a sync (it only matters to a key Redis no longer has). */
  private windowMs = 60_000;

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
    this.timer = setInterval(() => void this.sync(), SYNC_EVERY_MS).unref();
  }

  async hitAll(
    hits: readonly RateHit[],
    windowMs: number,
  ): Promise<{ over: number; resetInMs: number } | null> {
    const now = Date.now();
    let index = 0;
    for (; index < hits.length; index++) {
      const { key, limit } = hits[index]!;
      const count = this.localCount(this.fullKey(key), now);
      if (count.pending + 1 > Math.floor(limit / LOCAL_SHARE) || count.known + count.pending + 1 > limit)
        break;
      count.pending += 1;
      this.unsent.add(this.fullKey(key));
    }
    if (index === hits.length) return null;
    const rest = hits.slice(index);
    const counted = await this.send(
      rest.map((hit) => ({ key: this.fullKey(hit.key), weight: 1, limit: String(hit.limit) })),
      windowMs,
    );
    return counted === null ? null : { over: index + counted.over, resetInMs: counted.resetInMs };
  }

  /** The hits admitted locally, sent in one round trip; ended windows forgotten. */
  private sync(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const now = Date.now();
      if (now - this.lastSweep > this.windowMs) {
        for (const [key, count] of this.local)
          if (count.pending === 0 && count.endsAt <= now) this.local.delete(key);
        this.lastSweep = now;
      }
      if (this.unsent.size === 0) return;
      const due = [...this.unsent].map((key) => ({ key, weight: 0, limit: NO_LIMIT }));
      await this.send(due, this.windowMs).catch(() => undefined);
    });
    return this.syncing;
  }

  /**
   * One script call. Each key's unsent local hits are added to its weight (and dropped if the call fails: an
   * outage lets requests through); each key counted learns its shared count and window end.
   */
  private async send(
    keys: { key: string; weight: number; limit: string }[],
    windowMs: number,
  ): Promise<{ over: number; resetInMs: number } | null> {
    this.windowMs = windowMs;
    const args: (string | number)[] = [windowMs];
    for (const entry of keys) {
      const count = this.local.get(entry.key);
      args.push(entry.weight + (count?.pending ?? 0), entry.limit);
      if (count) count.pending = 0;
      this.unsent.delete(entry.key);
    }
    const result = await this.redis.paRateHitAll(keys.length, ...keys.map((entry) => entry.key), ...args);
    const now = Date.now();
    for (let i = 0; 2 * i + 2 < result.length; i++) {
      const ttl = Number(result[2 * i + 2]);
      const count = this.localCount(keys[i]!.key, now);
      count.known = Number(result[2 * i + 1]);
      count.endsAt = now + (ttl > 0 ? ttl : windowMs);
    }
    const over = Number(result[0]);
    if (over === 0) return null;
    const ttl = Number(result[2 * over]);
    return { over: over - 1, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  private localCount(key: string, now: number): LocalCount {
    let count = this.local.get(key);
    if (!count) {
      count = { known: 0, pending: 0, endsAt: 0 };
      this.local.set(key, count);
    } else if (count.endsAt <= now) count.known = 0; // the window ended: what Redis counted then is gone
    return count;
  }

  private fullKey(key: string): string {
    return `${this.prefix}:rl:${key}`;
  }

  /** Resolves once connected: without an offline queue, a hit sent earlier fails (and lets its request through). */
  async ready(): Promise<void> {
    if (this.redis.status !== 'ready') await new Promise((resolve) => this.redis.once('ready', resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
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

/** How many callers `RateLimiter` remembers as having spent their budget, at most (then it forgets them all). */
const SPENT_KEPT = 100_000;

/**
 * Per-address and per-caller limits over one store. A conditional GET is charged to the cheaper poll budget; the
 * hook that sees its answer charges the caller's budget too when it was not a 304 (`chargeUnansweredPoll`).
 * A store failure lets the request through: an outage of the counters must not become an outage of the service.
 */
export class RateLimiter {
  /**
   * Callers whose budget this process saw used up, and until when (ms since the epoch). Their polls are refused
   * then as well: otherwise any GET sent with an If-None-Match that does not match ran at the poll budget, four
   * times the caller's, since a poll's answer is known, and charged, only once the work is done.
   */
  private readonly spent = new Map<string, number>();

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
   * `address` null: the address was counted already (checkAddress), the caller's limit alone is.
   */
  async check(address: string | null, caller: { id: string; poll: boolean } | null): Promise<Verdict> {
    if (caller?.poll) {
      const left = (this.spent.get(caller.id) ?? 0) - Date.now();
      if (left > 0) {
        // Refused, and still counted against its address, as every request is.
        if (address !== null) await this.check(address, null);
        return { allowed: false, retryAfterSeconds: Math.ceil(left / 1000), limit: 'caller' };
      }
      this.spent.delete(caller.id);
    }
    const hits: (RateHit & { name: string })[] =
      address === null ? [] : [{ key: `addr:${address}`, limit: this.limits.perAddress, name: 'address' }];
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
      if (caller && counted[refused.over]!.name === 'caller') this.noteSpent(caller.id, refused.resetInMs);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(refused.resetInMs / 1000)),
        limit: counted[refused.over]!.name,
      };
    } catch {
      return { allowed: true };
    }
  }

  /** Counted like any hit, so far from the limit it stays in the process until the next sync (no round trip). */
  async chargeUnansweredPoll(caller: string): Promise<void> {
    if (this.limits.perCaller <= 0) return;
    const refused = await this.store
      .hitAll([{ key: `caller:${caller}`, limit: this.limits.perCaller }], this.limits.windowMs)
      .catch(() => null);
    if (refused !== null) this.noteSpent(caller, refused.resetInMs);
  }

  private noteSpent(caller: string, resetInMs: number): void {
    if (this.spent.size >= SPENT_KEPT) this.spent.clear();
    this.spent.set(caller, Date.now() + resetInMs);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
