import { describe, expect, it } from '@jest/globals';
import { sharedWhileRunning } from './shared-while-running.util.js';

/** A run the test settles by hand, counting how many were started. */
function gate() {
  const runs: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const run = () =>
    new Promise<number>((resolve, reject) => {
      runs.push({ resolve, reject });
    });
  return { runs, run };
}

describe('sharedWhileRunning', () => {
  it('gives calls made while a run is under way that run’s answer, and starts a new run once it has settled', async () => {
    const { runs, run } = gate();
    const shared = sharedWhileRunning(run);
    const first = [shared(), shared(), shared()];
    expect(runs).toHaveLength(1);
    runs[0]!.resolve(7);
    expect(await Promise.all(first)).toEqual([7, 7, 7]);
    const later = shared();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve(8);
    expect(await later).toBe(8);
  });

  it('shares a failure with the calls that waited for it, and tries again on the next call', async () => {
    const { runs, run } = gate();
    const shared = sharedWhileRunning(run);
    const waiting = [shared(), shared()];
    runs[0]!.reject(new Error('down'));
    for (const result of await Promise.allSettled(waiting)) {
      expect(result).toMatchObject({ status: 'rejected', reason: new Error('down') });
    }
    const again = shared();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve(1);
    expect(await again).toBe(1);
  });
});
