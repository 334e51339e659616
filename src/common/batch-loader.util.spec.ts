import { describe, expect, it } from '@jest/globals';
import { BatchLoader } from './batch-loader.util.js';

/** A promise and the function that settles it, for a batch that finishes when the test says so. */
function gate() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loader whose batches each wait for a gate of their own, and record the keys they were given. */
function gatedLoader(options: { parallel: number; maxBatch: number }) {
  const batches: number[][] = [];
  const gates: ReturnType<typeof gate>[] = [];
  const loader = new BatchLoader<number, string>({
    ...options,
    load: async (keys) => {
      batches.push(keys);
      const g = gate();
      gates.push(g);
      await g.promise;
      return keys.map((k) => `value of ${k}`);
    },
  });
  return { loader, batches, gates };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BatchLoader', () => {
  it('loads a key alone and at once while fewer batches than allowed are running', async () => {
    const { loader, batches, gates } = gatedLoader({ parallel: 2, maxBatch: 10 });
    const first = loader.load(1);
    const second = loader.load(2);
    expect(batches).toEqual([[1], [2]]);
    gates[0]!.resolve();
    gates[1]!.resolve();
    expect(await Promise.all([first, second])).toEqual(['value of 1', 'value of 2']);
  });

  it('sends the loads that waited for a running batch together, each answered with its own value', async () => {
    const { loader, batches, gates } = gatedLoader({ parallel: 1, maxBatch: 10 });
    const loads = [1, 2, 3, 4, 2].map((k) => loader.load(k));
    expect(batches).toEqual([[1]]);
    gates[0]!.resolve();
    await flush();
    expect(batches).toEqual([[1], [2, 3, 4, 2]]);
    gates[1]!.resolve();
    expect(await Promise.all(loads)).toEqual([
      'value of 1',
      'value of 2',
      'value of 3',
      'value of 4',
      'value of 2',
    ]);
  });

  it('puts at most maxBatch keys in one batch', async () => {
    const { loader, batches, gates } = gatedLoader({ parallel: 1, maxBatch: 2 });
    const loads = [1, 2, 3, 4, 5, 6].map((k) => loader.load(k));
    for (let i = 0; i < 4; i++) {
      gates[i]!.resolve();
      await flush();
    }
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    expect(await Promise.all(loads)).toHaveLength(6);
  });

  it('fails every load of a failed batch and goes on with the next one', async () => {
    const { loader, batches, gates } = gatedLoader({ parallel: 1, maxBatch: 10 });
    const first = loader.load(1);
    const waited = [loader.load(2), loader.load(3)];
    gates[0]!.reject(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await flush();
    expect(batches).toEqual([[1], [2, 3]]);
    gates[1]!.resolve();
    expect(await Promise.all(waited)).toEqual(['value of 2', 'value of 3']);
  });

  it('fails the loads of a batch answered with the wrong number of values', async () => {
    const loader = new BatchLoader<number, number>({
      parallel: 1,
      maxBatch: 10,
      load: () => Promise.resolve([]),
    });
    await expect(loader.load(1)).rejects.toThrow('a batch of 1 keys was loaded as 0 values');
  });
});
