import { describe, expect, it } from '@jest/globals';
import { BoundedMap, KeyedQueue } from './keyed-queue.util.js';

/** A promise and the functions that settle it, for work that finishes when the test says so. */
function gate<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's callbacks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedQueue', () => {
  it('starts work for a key only once the work before it has finished, in arrival order', async () => {
    const queue = new KeyedQueue();
    const started: string[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      queue.run('a', async () => {
        started.push(`a${i}`);
        await g.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual(['a0']);
    expect(queue.waiting).toBe(2);
    gates[0]!.resolve();
    await flush();
    expect(started).toEqual(['a0', 'a1']);
    expect(queue.waiting).toBe(1);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(started).toEqual(['a0', 'a1', 'a2']);
  });

  it('runs work for different keys side by side', async () => {
    const queue = new KeyedQueue();
    const started: string[] = [];
    const a = gate();
    const b = gate();
    const runs = [
      queue.run('a', async () => {
        started.push('a');
        await a.promise;
      }),
      queue.run('b', async () => {
        started.push('b');
        await b.promise;
      }),
    ];
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect(queue.waiting).toBe(0);
    expect(queue.keys).toBe(2);
    a.resolve();
    b.resolve();
    await Promise.all(runs);
  });

  it('goes on with the next work after one fails, and hands each caller its own outcome', async () => {
    const queue = new KeyedQueue();
    const first = gate();
    const failing = queue.run('a', () => first.promise);
    const next = queue.run('a', () => Promise.resolve('next'));
    first.reject(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  it('holds nothing once a key has no work left', async () => {
    const queue = new KeyedQueue();
    await Promise.all([queue.run('a', () => Promise.resolve(1)), queue.run('a', () => Promise.resolve(2))]);
    await queue.run('b', () => Promise.reject(new Error('no'))).catch(() => undefined);
    expect(queue.keys).toBe(0);
    expect(queue.waiting).toBe(0);
  });
});

describe('BoundedMap', () => {
  it('forgets the least recently written entry beyond its limit', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 1); // written again: now the most recent
    map.set('c', 3);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    expect(map.size).toBe(2);
  });
});
