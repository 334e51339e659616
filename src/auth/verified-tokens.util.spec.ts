import { describe, expect, it } from '@jest/globals';
import { VerifiedTokens } from './verified-tokens.util.js';

describe('VerifiedTokens', () => {
  const now = 1_800_000_000_000;

  it('remembers a verified token until its expiry second comes', () => {
    const tokens = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 3_600_000 });
    const payload = { sub: 'a', exp: now / 1000 + 30 };
    tokens.remember('t', payload, now);
    expect(tokens.get('t', now + 29_999)).toBe(payload);
    expect(tokens.get('t', now + 30_000)).toBeUndefined();
  });

  it('trusts a verification no longer than its maximum age, so the signature is checked again', () => {
    const tokens = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000 });
    tokens.remember('t', { sub: 'a', exp: now / 1000 + 3600 }, now);
    expect(tokens.get('t', now + 59_999)).toBeDefined();
    expect(tokens.get('t', now + 60_000)).toBeUndefined();
  });

  it('does not keep a token that has already expired', () => {
    const tokens = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000 });
    tokens.remember('t', { sub: 'a', exp: now / 1000 }, now);
    expect(tokens.get('t', now)).toBeUndefined();
  });

  it('forgets the oldest token first when full', () => {
    const tokens = new VerifiedTokens({ maxEntries: 2, maxAgeMs: 60_000 });
    tokens.remember('a', { sub: 'a' }, now);
    tokens.remember('b', { sub: 'b' }, now);
    tokens.remember('c', { sub: 'c' }, now);
    expect(tokens.get('a', now)).toBeUndefined();
    expect(tokens.get('b', now)).toEqual({ sub: 'b' });
    expect(tokens.get('c', now)).toEqual({ sub: 'c' });
  });
});
