import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.util.js';
import { headLeafData, leafHash, merkleNodes } from './merkle.util.js';
import type { ChainHead, SubtreeRoot } from './merkle.util.js';

/** What the `prevHash` of the first checkpoint points at. */
export const FIRST_PREV_HASH = '0'.repeat(64);
export const STATEMENT_VERSION = 1;

/**
 * What a checkpoint signs. The signed bytes are the canonical JSON of this object (keys sorted, no spaces), UTF-8;
 * history ids are decimal strings because they are 64-bit.
 */
export interface CheckpointStatement {
  version: number;
  seq: number;
  createdAt: string;
  fromId: string;
  toId: string;
  leafCount: number;
  root: string;
  prevHash: string;
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointStatement {
  hash: string;
  signature: string;
}

export function statementBytes(statement: CheckpointStatement): Buffer {
  const { version, seq, createdAt, fromId, toId, leafCount, root, prevHash, keyId } = statement;
  return Buffer.from(
    canonicalJson({ version, seq, createdAt, fromId, toId, leafCount, root, prevHash, keyId }),
    'utf8',
  );
}

/** The key id: SHA-256 (hex) of the public key's DER (SubjectPublicKeyInfo). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

export function signStatement(statement: CheckpointStatement, privateKey: KeyObject): SignedCheckpoint {
  const bytes = statementBytes(statement);
  return {
    ...statement,
    hash: createHash('sha256').update(bytes).digest('hex'),
    signature: sign(null, bytes, privateKey).toString('base64'),
  };
}

/** The leaf hashes of a checkpoint's heads, in leaf order. */
export function headLeaves(heads: readonly ChainHead[]): string[] {
  return heads.map((head) => leafHash(headLeafData(head)));
}

/** What a checkpoint's stored leaves give: their number, their root and the roots of their large subtrees. */
export interface CheckpointTree {
  size: number;
  root: string;
  nodes: SubtreeRoot[];
}

/** The tree of a checkpoint's heads, hashed once for every check of the checkpoint that needs it. */
export function checkpointTree(heads: readonly ChainHead[]): CheckpointTree {
  return { size: heads.length, ...merkleNodes(headLeaves(heads)) };
}

/** Why a checkpoint cannot be trusted, or null when it can: signature, hash, link to its predecessor, leaves. */
export function checkpointProblem(
  checkpoint: SignedCheckpoint,
  previous: SignedCheckpoint | null,
  tree: CheckpointTree,
  publicKey: KeyObject,
): string | null {
  const bytes = statementBytes(checkpoint);
  let signed: boolean;
  try {
    signed = verify(null, bytes, publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    signed = false;
  }
  if (!signed) return 'the signature does not verify with the public key';
  if (checkpoint.version !== STATEMENT_VERSION) return `unknown statement version ${checkpoint.version}`;
  if (createHash('sha256').update(bytes).digest('hex') !== checkpoint.hash) return 'its hash does not match';
  const expectedSeq = (previous?.seq ?? 0) + 1;
  if (checkpoint.seq !== expectedSeq) return `checkpoint ${expectedSeq} is missing before it`;
  if (checkpoint.prevHash !== (previous?.hash ?? FIRST_PREV_HASH))
    return 'it does not link to its predecessor';
  if (checkpoint.fromId !== (previous?.toId ?? '0')) return 'its id range does not follow its predecessor';
  if (tree.size !== checkpoint.leafCount)
    return `it signs ${checkpoint.leafCount} leaves, ${tree.size} are stored`;
  if (tree.root !== checkpoint.root) return 'its stored leaves do not give the signed root';
  return null;
}

/**
 * Why a checkpoint's stored subtree roots cannot serve its proofs, or null: each must be the root its leaves give.
 * None at all is a checkpoint signed before they were stored (its proofs are computed from the leaves).
 */
export function storedNodesProblem(tree: CheckpointTree, stored: readonly SubtreeRoot[]): string | null {
  if (stored.length === 0) return null;
  const expected = new Map(tree.nodes.map((n) => [`${n.from}-${n.to}`, n.hash]));
  const matching = stored.filter((n) => expected.get(`${n.from}-${n.to}`) === n.hash).length;
  return matching === stored.length && matching === expected.size
    ? null
    : 'its stored subtree roots do not match its leaves';
}
