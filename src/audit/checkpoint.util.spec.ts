import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, verify } from 'node:crypto';
import {
  checkpointProblem,
  checkpointTree,
  FIRST_PREV_HASH,
  headLeaves,
  keyIdOf,
  signStatement,
  statementBytes,
  STATEMENT_VERSION,
  storedNodesProblem,
} from './checkpoint.util.js';
import type { SignedCheckpoint } from './checkpoint.util.js';
import { merkleRoot } from './merkle.util.js';
import type { ChainHead } from './merkle.util.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519').publicKey;
const head = (n: number): ChainHead => ({
  applicationId: `00000000-0000-4000-8000-00000000000${n}`,
  seq: n,
  hash: String(n).repeat(64),
});

function signed(seq: number, previous: SignedCheckpoint | null, heads: ChainHead[]): SignedCheckpoint {
  return signStatement(
    {
      version: STATEMENT_VERSION,
      seq,
      createdAt: new Date(Date.UTC(2026, 10, 30, 18, seq)).toISOString(),
      fromId: previous?.toId ?? '0',
      toId: String(seq * 10),
      leafCount: heads.length,
      root: merkleRoot(headLeaves(heads)),
      prevHash: previous?.hash ?? FIRST_PREV_HASH,
      keyId: keyIdOf(publicKey),
    },
    privateKey,
  );
}

describe('checkpoint statements', () => {
  const heads1 = [head(1), head(2)];
  const first = signed(1, null, heads1);
  const heads2 = [head(3)];
  const second = signed(2, first, heads2);

  it('signs the canonical JSON of the statement, without hash and signature', () => {
    expect(statementBytes(first).toString()).toBe(
      `{"createdAt":"${first.createdAt}","fromId":"0","keyId":"${first.keyId}","leafCount":2,` +
        `"prevHash":"${FIRST_PREV_HASH}","root":"${first.root}","seq":1,"toId":"10","version":1}`,
    );
    expect(verify(null, statementBytes(first), publicKey, Buffer.from(first.signature, 'base64'))).toBe(true);
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
  });

  it('accepts a chain of untouched checkpoints', () => {
    expect(checkpointProblem(first, null, checkpointTree(heads1), publicKey)).toBeNull();
    expect(checkpointProblem(second, first, checkpointTree(heads2), publicKey)).toBeNull();
  });

  it.each([
    [
      'another key',
      () => checkpointProblem(first, null, checkpointTree(heads1), other),
      'the signature does not verify',
    ],
    [
      'an edited root',
      () => checkpointProblem({ ...first, root: merkleRoot([]) }, null, checkpointTree(heads1), publicKey),
      'the signature does not verify',
    ],
    [
      'a garbled signature',
      () => checkpointProblem({ ...first, signature: 'nope' }, null, checkpointTree(heads1), publicKey),
      'the signature does not verify',
    ],
    [
      'a wrong hash',
      () => checkpointProblem({ ...first, hash: FIRST_PREV_HASH }, null, checkpointTree(heads1), publicKey),
      'its hash does not match',
    ],
    [
      'a missing predecessor',
      () => checkpointProblem(second, null, checkpointTree(heads2), publicKey),
      'checkpoint 1 is missing',
    ],
    [
      'another predecessor',
      () => checkpointProblem(second, signed(1, null, [head(4)]), checkpointTree(heads2), publicKey),
      'does not link to its predecessor',
    ],
    [
      'a rewritten leaf',
      () =>
        checkpointProblem(
          first,
          null,
          checkpointTree([head(1), { ...head(2), hash: 'f'.repeat(64) }]),
          publicKey,
        ),
      'do not give the signed root',
    ],
    [
      'a dropped leaf',
      () => checkpointProblem(first, null, checkpointTree([head(1)]), publicKey),
      'it signs 2 leaves, 1 are stored',
    ],
  ])('refuses %s', (_name, problem, message) => {
    expect(problem()).toContain(message);
  });

  it('refuses an id range that does not follow its predecessor', () => {
    const gap = signStatement({ ...second, fromId: '11' }, privateKey);
    expect(checkpointProblem(gap, first, checkpointTree(heads2), publicKey)).toBe(
      'its id range does not follow its predecessor',
    );
  });
});

describe('stored subtree roots', () => {
  const many = Array.from({ length: 130 }, (_, i) => ({
    applicationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    seq: 1,
    hash: 'a'.repeat(64),
  }));
  const tree = checkpointTree(many);
  const { nodes } = tree;

  it('accepts the roots its leaves give, and none at all (a checkpoint signed before they were stored)', () => {
    expect(nodes.length).toBeGreaterThan(0);
    expect(storedNodesProblem(tree, nodes)).toBeNull();
    expect(storedNodesProblem(tree, [])).toBeNull();
  });

  it('refuses a changed, a missing or an extra root', () => {
    const problem = 'its stored subtree roots do not match its leaves';
    expect(storedNodesProblem(tree, [{ ...nodes[0]!, hash: 'f'.repeat(64) }, ...nodes.slice(1)])).toBe(
      problem,
    );
    expect(storedNodesProblem(tree, nodes.slice(1))).toBe(problem);
    expect(storedNodesProblem(tree, [...nodes, { from: 0, to: 3, hash: 'f'.repeat(64) }])).toBe(problem);
  });
});
