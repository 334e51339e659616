import { describe, expect, it } from '@jest/globals';
import { testConfig } from '../../test/support/test-app.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { StartGate, warmsUp } from './start-gate.service.js';

function gateFor(config: Partial<RuntimeConfig>): StartGate {
  return new StartGate({ ...testConfig({ databaseUrl: 'postgres://unused.invalid/none' }), ...config });
}

describe('StartGate', () => {
  it('is closed only in a process that warms up: an API process with a warm-up time', () => {
    expect(warmsUp({ warmupMs: 10_000, processRole: 'all' })).toBe(true);
    expect(warmsUp({ warmupMs: 10_000, processRole: 'api' })).toBe(true);
    expect(warmsUp({ warmupMs: 10_000, processRole: 'worker' })).toBe(false);
    expect(warmsUp({ warmupMs: 0, processRole: 'all' })).toBe(false);
    expect(gateFor({ warmupMs: 10_000 }).isOpen).toBe(false);
    expect(gateFor({ warmupMs: 0 }).isOpen).toBe(true);
  });

  it('runs a start at once when open, and settles with it', async () => {
    const gate = gateFor({ warmupMs: 0 });
    const ran: string[] = [];
    await gate.whenOpen(async () => {
      await Promise.resolve();
      ran.push('sweep');
    });
    expect(ran).toEqual(['sweep']);
    await expect(gate.whenOpen(() => Promise.reject(new Error('no database')))).rejects.toThrow(
      'no database',
    );
  });

  it('holds the starts while closed and runs them in order, each once, when opened', async () => {
    const gate = gateFor({ warmupMs: 10_000 });
    const ran: string[] = [];
    await gate.whenOpen(() => void ran.push('workers'));
    await gate.whenOpen(async () => {
      await Promise.resolve();
      ran.push('sweep');
    });
    await gate.whenOpen(() => void ran.push('checkpoints'));
    expect(ran).toEqual([]);
    await gate.open();
    expect(gate.isOpen).toBe(true);
    expect(ran).toEqual(['workers', 'sweep', 'checkpoints']);
    await gate.open();
    await gate.whenOpen(() => void ran.push('purge'));
    expect(ran).toEqual(['workers', 'sweep', 'checkpoints', 'purge']);
  });
});
