import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timersArmed } from '../../test/support/timers.js';
import { withTimeout } from './timeout-signal.util.js';

describe('withTimeout', () => {
  it('aborts work that outlasts the time with a TimeoutError, as AbortSignal.timeout does', async () => {
    // A server that never answers: the request can only end by its signal.
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const failed = await withTimeout(100, (signal) => fetch(`http://127.0.0.1:${port}/`, { signal })).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failed?.name).toBe('TimeoutError');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives the work its result, unaborted, and leaves no timer armed once it has settled', async () => {
    const armed = timersArmed('timeout-signal.util');
    let seen: AbortSignal | undefined;
    const result = await withTimeout(60_000, (signal) => {
      seen = signal;
      return Promise.resolve(42);
    });
    // AbortSignal.timeout would still be armed here, for the next minute.
    expect(await armed.stop()).toEqual([]);
    expect(result).toBe(42);
    expect(seen?.aborted).toBe(false);
  });

  it('leaves no timer armed when the work fails either', async () => {
    const armed = timersArmed('timeout-signal.util');
    await expect(withTimeout(60_000, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await armed.stop()).toEqual([]);
  });
});
