/**
 * Runs work one at a time per key, in arrival order, within this process: work for a key starts once the work
 * before it for that key has settled, whatever its outcome. A key with nothing running holds no memory.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private waitingCount = 0;

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    // `previous` only ever resolves: it is a chain of `settled` promises, never the work's own.
    const tail = previous ? previous.then(() => settled) : settled;
    this.tails.set(key, tail);
    try {
      if (previous) {
        this.waitingCount++;
        try {
          await previous;
        } finally {
          this.waitingCount--;
        }
      }
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Work waiting for earlier work on its key. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Keys with work running or waiting. */
  get keys(): number {
    return this.tails.size;
  }
}

/**
 * A map that forgets its least recently written entries beyond `limit`: for facts that never change once known,
 * where a forgotten entry costs only the work of learning it again.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
