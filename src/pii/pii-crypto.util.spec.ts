import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  newDataKey,
  openValue,
  PiiCryptoError,
  rewrapKey,
  sealValue,
  unwrapKey,
  wrapKey,
} from './pii-crypto.util.js';
import type { Keyring } from './pii-crypto.util.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const before: Keyring = { active: 'k1', keys: { k1 } };
const during: Keyring = { active: 'k2', keys: { k1, k2 } };
const after: Keyring = { active: 'k2', keys: { k2 } };

describe('envelope encryption of personal data', () => {
  it('opens what it sealed, under the data key the keyring unwraps', () => {
    const dataKey = newDataKey();
    const wrapped = wrapKey(before, dataKey, 'app-1');
    expect(wrapped.kid).toBe('k1');
    const sealed = sealValue(dataKey, { id: '110101199003074514', n: 1 }, 'app-1:idNumber');
    expect(sealed).not.toContain('110101');
    expect(sealed.startsWith('v1.')).toBe(true);
    const opened = openValue(unwrapKey(before, wrapped, 'app-1'), sealed, 'app-1:idNumber');
    expect(opened).toEqual({ id: '110101199003074514', n: 1 });
  });

  it('seals the same value differently each time (a fresh nonce)', () => {
    const dataKey = newDataKey();
    expect(sealValue(dataKey, 'Ann', 'a:name')).not.toBe(sealValue(dataKey, 'Ann', 'a:name'));
  });

  it('refuses a wrong data key, an unknown key id and a wrong key under a known id', () => {
    const sealed = sealValue(newDataKey(), 'Ann', 'a:name');
    expect(() => openValue(newDataKey(), sealed, 'a:name')).toThrow(PiiCryptoError);
    const wrapped = wrapKey(before, newDataKey(), 'a');
    expect(() => unwrapKey(after, wrapped, 'a')).toThrow(/no key "k1"/);
    expect(() => unwrapKey({ active: 'k1', keys: { k1: k2 } }, wrapped, 'a')).toThrow(PiiCryptoError);
  });

  it('refuses a sealed value or wrapped key that was changed, or moved to another field or application', () => {
    const dataKey = newDataKey();
    const sealed = sealValue(dataKey, 'Ann', 'a:name');
    const [v, iv, tag, ct] = sealed.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openValue(dataKey, [v, iv, tag, flipped.toString('base64url')].join('.'), 'a:name')).toThrow(
      PiiCryptoError,
    );
    expect(() => openValue(dataKey, sealed, 'a:phone')).toThrow(PiiCryptoError);
    expect(() => openValue(dataKey, sealed, 'b:name')).toThrow(PiiCryptoError);
    expect(() => openValue(dataKey, 'not sealed', 'a:name')).toThrow(PiiCryptoError);
    const wrapped = wrapKey(before, dataKey, 'a');
    expect(() => unwrapKey(before, wrapped, 'b')).toThrow(PiiCryptoError);
    expect(() => unwrapKey(before, { ...wrapped, tag: Buffer.alloc(16).toString('base64') }, 'a')).toThrow(
      PiiCryptoError,
    );
  });

  it('rotates: old key ids still open during the rotation, and a re-wrapped key opens without the old key', () => {
    const dataKey = newDataKey();
    const sealed = sealValue(dataKey, '13800000000', 'a:phone');
    const old = wrapKey(before, dataKey, 'a');
    // New writes use the active key while the old id still opens.
    expect(wrapKey(during, newDataKey(), 'b').kid).toBe('k2');
    expect(openValue(unwrapKey(during, old, 'a'), sealed, 'a:phone')).toBe('13800000000');
    const rewrapped = rewrapKey(during, old, 'a');
    expect(rewrapped.kid).toBe('k2');
    // The data itself was never re-encrypted: the same sealed value opens under the re-wrapped key.
    expect(openValue(unwrapKey(after, rewrapped, 'a'), sealed, 'a:phone')).toBe('13800000000');
  });
});
