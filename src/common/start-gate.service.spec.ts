import { describe, expect, it } from '@jest/globals';
import { StartGate, warmsUp } from './start-gate.service.js';

describe('StartGate', () => {
  it('is held only for a process that warms up: an API process with a warm-up time', () => {
    expect(warmsUp({ warmupMs: 10_000, processRole: 'all' })).toBe(true);
    expect(warmsUp({ warmupMs: 10_000, processRole: 'api' })).toBe(true);
    expect(warmsUp({ warmupMs: 10_000, processRole: 'worker' })).toBe(false);
    expect(warmsUp({ warmupMs: 0, processRole: 'all' })).toBe(false);
  });

  it('runs a start at once when open, and settles with it', async () => {
    const gate = new StartGate();
    expect(gate.isOpen).toBe(true);
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

  it('holds the starts while held and runs them in order, each once, when opened', async () => {
    const gate = new StartGate();
    gate.hold();
    expect(gate.isOpen).toBe(false);
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

  it('cannot be held once something went through it', async () => {
    const gate = new StartGate();
    await gate.whenOpen(() => undefined);
    expect(() => gate.hold()).toThrow('before the app starts');
    expect(gate.isOpen).toBe(true);
  });
});
