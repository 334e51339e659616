interface Waiting<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

export interface BatchLoaderOptions<K, V> {
  /** Loads every key of a batch at once: one value per key, in the keys' order. */
  load: (keys: K[]) => Promise<V[]>;
  /** Batches running at once; a load that finds fewer running starts at once. */
  parallel: number;
  /** Keys in one batch at most. */
  maxBatch: number;
}

/**
 * Loads keys in batches, without adding a wait: a load starts at once, alone, while fewer than `parallel` batches
 * are running; otherwise it waits for one of them to finish and then starts with every load that waited
 * meanwhile. Under light load every key is loaded alone, as it would be without the loader; under heavy load one
 * query answers many requests, and the database sees a round trip per batch instead of one per request. Each
 * load still reads the database after it was asked for, so a batch never answers from a read older than the
 * request. A batch that fails fails every load in it.
 */
export class BatchLoader<K, V> {
  private readonly waiting: Waiting<K, V>[] = [];
  private running = 0;

  constructor(private readonly options: BatchLoaderOptions<K, V>) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    while (this.running < this.options.parallel && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running += 1;
      // run() settles every load of its batch itself and never rejects.
      void this.run(batch).finally(() => {
        this.running -= 1;
        this.start();
      });
    }
  }

  private async run(batch: Waiting<K, V>[]): Promise<void> {
    try {
      const values = await this.options.load(batch.map((w) => w.key));
      if (values.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} keys was loaded as ${values.length} values`);
      }
      batch.forEach((w, i) => w.resolve(values[i] as V));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
