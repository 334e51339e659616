import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  headLeafData,
  inclusionProof,
  KEPT_SUBTREE,
  leafHash,
  merkleNodes,
  MerkleTree,
  merkleRoot,
  nodeHash,
  proofRanges,
  storedProof,
  verifyInclusion,
} from './merkle.util.js';

const sha = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));
/** A tree of 1 to 70 leaves and one index in it. */
const treeAndIndex = fc
  .integer({ min: 1, max: 70 })
  .chain((n) => fc.record({ n: fc.constant(n), index: fc.integer({ min: 0, max: n - 1 }) }));

describe('merkle tree (RFC 9162)', () => {
  it('hashes leaves and nodes with their distinct prefixes', () => {
    expect(leafHash('')).toBe(sha('00'));
    expect(leafHash('abc')).toBe(sha('00' + Buffer.from('abc').toString('hex')));
    const [a, b] = leaves(2) as [string, string];
    expect(nodeHash(a, b)).toBe(sha('01' + a + b));
  });

  it('gives the empty tree the hash of nothing and a single leaf its own hash', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
    expect(EMPTY_ROOT).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [only] = leaves(1) as [string];
    expect(merkleRoot([only])).toBe(only);
  });

  it('splits a tree of five leaves at four, as the RFC does', () => {
    const [a, b, c, d, e] = leaves(5) as [string, string, string, string, string];
    expect(merkleRoot([a, b, c, d, e])).toBe(nodeHash(nodeHash(nodeHash(a, b), nodeHash(c, d)), e));
    expect(merkleRoot([a, b, c])).toBe(nodeHash(nodeHash(a, b), c));
  });

  it('proves the third of five leaves with the sibling hashes bottom-up', () => {
    const [a, b, c, d, e] = leaves(5) as [string, string, string, string, string];
    expect(inclusionProof([a, b, c, d, e], 2)).toEqual([d, nodeHash(a, b), e]);
    expect(inclusionProof([a, b, c, d, e], 4)).toEqual([nodeHash(nodeHash(a, b), nodeHash(c, d))]);
    expect(inclusionProof([a], 0)).toEqual([]);
  });

  it('refuses to prove a leaf outside the tree', () => {
    expect(() => inclusionProof(leaves(3), 3)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
  });

  it('encodes a chain head as plain text lines', () => {
    expect(headLeafData({ applicationId: 'a1', seq: 3, hash: 'ff' })).toBe('a1\n3\nff');
  });

  it("verifies every leaf's proof in every tree", () => {
    fc.assert(
      fc.property(treeAndIndex, ({ n, index }) => {
        const tree = leaves(n);
        const root = merkleRoot(tree);
        const path = inclusionProof(tree, index);
        expect(verifyInclusion({ leaf: tree[index]!, index, size: n, path, root })).toBe(true);
        expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }),
    );
  });

  it('gives from one kept tree the same proofs as from a fresh tree each, in any order', () => {
    // Past the size whose subtree roots are kept, with a ragged right edge.
    const all = leaves(300);
    const kept = new MerkleTree(all);
    const root = merkleRoot(all);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 299 }), { minLength: 1, maxLength: 20 }), (indexes) => {
        for (const index of indexes) {
          const path = kept.proof(index);
          expect(path).toEqual(new MerkleTree(all).proof(index));
          expect(verifyInclusion({ leaf: all[index]!, index, size: 300, path, root })).toBe(true);
        }
      }),
    );
  });

  it('stores with a tree its root and the root of every subtree of at least 64 leaves, and proves from them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }).chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }))),
        ([n, index]) => {
          const all = leaves(n);
          const { root, nodes } = merkleNodes(all);
          expect(root).toBe(merkleRoot(all));
          for (const node of nodes) {
            expect(node.to - node.from).toBeGreaterThanOrEqual(KEPT_SUBTREE);
            expect(node.hash).toBe(merkleRoot(all.slice(node.from, node.to)));
          }
          const roots = new Map(nodes.map((node) => [`${node.from}-${node.to}`, node.hash]));
          const ranges = proofRanges(n, index);
          const path = storedProof(ranges, {
            root: ({ from, to }) => roots.get(`${from}-${to}`),
            leaf: (i) => all[i],
          });
          expect(path).toEqual(inclusionProof(all, index));
          // What it reads: a stored root for each large sibling, fewer than 64 leaves for each small one.
          for (const range of ranges) {
            if (range.to - range.from >= KEPT_SUBTREE)
              expect(roots.has(`${range.from}-${range.to}`)).toBe(true);
          }
        },
      ),
    );
  });

  it('proves nothing from stored parts when a root or a leaf it needs is missing', () => {
    const all = leaves(300);
    const roots = new Map(merkleNodes(all).nodes.map((node) => [`${node.from}-${node.to}`, node.hash]));
    const ranges = proofRanges(300, 5);
    expect(storedProof(ranges, { root: () => undefined, leaf: (i) => all[i] })).toBeNull();
    expect(
      storedProof(ranges, {
        root: ({ from, to }) => roots.get(`${from}-${to}`),
        leaf: (i) => (i === 4 ? undefined : all[i]),
      }),
    ).toBeNull();
    expect(merkleNodes([])).toEqual({ root: EMPTY_ROOT, nodes: [] });
  });

  it('fails the proof of a changed leaf', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.string(), ({ n, index }, other) => {
        const tree = leaves(n);
        const changed = leafHash(`changed ${other}`);
        const proof = { index, size: n, path: inclusionProof(tree, index), root: merkleRoot(tree) };
        expect(verifyInclusion({ ...proof, leaf: changed })).toBe(false);
        // Nor does a tree built with the changed leaf keep the old root.
        const rebuilt = tree.map((leaf, i) => (i === index ? changed : leaf));
        expect(merkleRoot(rebuilt)).not.toBe(proof.root);
      }),
    );
  });

  it('fails a proof presented at another index or root, or with a tampered or shortened path', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.integer({ min: 0, max: 70 }), ({ n, index }, other) => {
        const tree = leaves(n);
        const root = merkleRoot(tree);
        const path = inclusionProof(tree, index);
        const leaf = tree[index]!;
        if (other !== index) expect(verifyInclusion({ leaf, index: other, size: n, path, root })).toBe(false);
        expect(verifyInclusion({ leaf, index, size: n, path, root: leafHash('another root') })).toBe(false);
        if (path.length > 0) {
          const tampered = [leafHash('forged'), ...path.slice(1)];
          expect(verifyInclusion({ leaf, index, size: n, path: tampered, root })).toBe(false);
          expect(verifyInclusion({ leaf, index, size: n, path: path.slice(1), root })).toBe(false);
        }
      }),
    );
  });

  it('fails a proof for an index outside the tree', () => {
    const tree = leaves(4);
    const path = inclusionProof(tree, 3);
    expect(verifyInclusion({ leaf: tree[3]!, index: 4, size: 4, path, root: merkleRoot(tree) })).toBe(false);
    expect(verifyInclusion({ leaf: tree[3]!, index: -1, size: 4, path, root: merkleRoot(tree) })).toBe(false);
  });
});
