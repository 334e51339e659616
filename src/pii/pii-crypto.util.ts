import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of personal data (AES-256-GCM, node:crypto only). Each application has a data key of its
 * own that seals its `x-pii` values; the data key is stored wrapped (encrypted) under a key-encryption key from
 * the configuration, named by its id. Rotating the key-encryption key re-wraps 32-byte data keys, never the data;
 * forgetting a data key (crypto-shredding) makes every value it sealed unreadable at once.
 */

/** The configured key-encryption keys by id, and the one new data keys are wrapped under. */
export interface Keyring {
  readonly active: string;
  readonly keys: Readonly<Record<string, Buffer>>;
}

/** A data key as stored: wrapped under key-encryption key `kid`, with the GCM nonce and tag (base64). */
export interface WrappedKey {
  kid: string;
  iv: string;
  tag: string;
  key: string;
}

/** A value that cannot be opened: unknown key id, wrong key, or ciphertext or context tampered with. */
export class PiiCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PiiCryptoError';
  }
}

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Prefix of a sealed value; a later format gets another, so old values stay readable. */
const SEALED_VERSION = 'v1';

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Wraps a data key under the active key. `context` (the application id) is authenticated with it, so a wrapped
 * key copied onto another application's row does not open there.
 */
export function wrapKey(keyring: Keyring, dataKey: Buffer, context: string): WrappedKey {
  const kek = keyring.keys[keyring.active];
  if (!kek) throw new PiiCryptoError(`the active key "${keyring.active}" is not configured`);
  const { iv, tag, ciphertext } = encrypt(kek, dataKey, `dek:${context}`);
  return {
    kid: keyring.active,
    iv: iv.toString('base64'),
    tag: tag.toString('base64'),
    key: ciphertext.toString('base64'),
  };
}

export function unwrapKey(keyring: Keyring, wrapped: WrappedKey, context: string): Buffer {
  const kek = keyring.keys[wrapped.kid];
  if (!kek) throw new PiiCryptoError(`no key "${wrapped.kid}" is configured to open this data key`);
  const dataKey = decrypt(kek, {
    iv: Buffer.from(wrapped.iv, 'base64'),
    tag: Buffer.from(wrapped.tag, 'base64'),
    ciphertext: Buffer.from(wrapped.key, 'base64'),
    aad: `dek:${context}`,
  });
  if (dataKey.length !== KEY_BYTES) throw new PiiCryptoError('the data key has the wrong length');
  return dataKey;
}

/** The same data key wrapped under the active key: what rotation writes back. */
export function rewrapKey(keyring: Keyring, wrapped: WrappedKey, context: string): WrappedKey {
  return wrapKey(keyring, unwrapKey(keyring, wrapped, context), context);
}

/**
 * One JSON value sealed under a data key, as `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` (application
 * id and field path) is authenticated: a sealed value moved to another field or application does not open.
 */
export function sealValue(dataKey: Buffer, value: unknown, context: string): string {
  const { iv, tag, ciphertext } = encrypt(dataKey, Buffer.from(JSON.stringify(value), 'utf8'), context);
  return [SEALED_VERSION, iv, tag, ciphertext].map((part) => part.toString('base64url')).join('.');
}

export function openValue(dataKey: Buffer, sealed: string, context: string): unknown {
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (version !== SEALED_VERSION || !iv || !tag || ciphertext === undefined || rest.length > 0)
    throw new PiiCryptoError('not a sealed value');
  const plain = decrypt(dataKey, {
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    aad: context,
  });
  return JSON.parse(plain.toString('utf8')) as unknown;
}

function encrypt(key: Buffer, plain: Buffer, aad: string) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function decrypt(key: Buffer, parts: { iv: Buffer; tag: Buffer; ciphertext: Buffer; aad: string }): Buffer {
  if (parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES)
    throw new PiiCryptoError('malformed nonce or tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(parts.aad, 'utf8'));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch {
    // GCM says only that authentication failed: a wrong key and a changed byte look the same.
    throw new PiiCryptoError('the value does not authenticate (wrong key or tampered)');
  }
}

/** A whole JSON value sealed under a data key of its own, stored beside it wrapped. */
export interface SealedDocument {
  $sealed: string;
  key: WrappedKey;
}

export function isSealedDocument(value: unknown): value is SealedDocument {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { $sealed?: unknown }).$sealed === 'string' &&
    typeof (value as { key?: { kid?: unknown } }).key?.kid === 'string'
  );
}

/** Seals a whole value (a stored response) under a fresh data key wrapped under the active key. */
export function sealDocument(keyring: Keyring, value: unknown, context: string): SealedDocument {
  const dataKey = newDataKey();
  return { $sealed: sealValue(dataKey, value, context), key: wrapKey(keyring, dataKey, context) };
}

export function openDocument(keyring: Keyring, document: SealedDocument, context: string): unknown {
  return openValue(unwrapKey(keyring, document.key, context), document.$sealed, context);
}
