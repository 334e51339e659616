import { createHash } from 'node:crypto';

/**
 * A Merkle tree as RFC 9162 (Certificate Transparency 2.0) §2.1 defines it, so anyone can check a proof with a
 * few lines of code in any language: leaves are hashed as SHA-256(0x00 ‖ data), interior nodes as
 * SHA-256(0x01 ‖ left ‖ right) (the prefixes keep a leaf from passing for a node), the empty tree's root is
 * SHA-256 of nothing, and a tree of n leaves splits at the largest power of two below n. Hashes are lower-case hex.
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** What a checkpoint leaf stands for: one application's chain head. */
export interface ChainHead {
  applicationId: string;
  seq: number;
  hash: string;
}

/** The leaf's data: `applicationId \n seq \n hash`, UTF-8. Plain text, so a verifier needs no JSON rules. */
export function headLeafData(head: ChainHead): string {
  return `${head.applicationId}\n${head.seq}\n${head.hash}`;
}

export function leafHash(data: string | Buffer): string {
  return sha256(LEAF, Buffer.from(data)).toString('hex');
}

export function nodeHash(left: string, right: string): string {
  return sha256(NODE, Buffer.from(left, 'hex'), Buffer.from(right, 'hex')).toString('hex');
}

export const EMPTY_ROOT = sha256().toString('hex');

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root over leaf hashes, in their order. */
export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return EMPTY_ROOT;
  return subtreeRoot(leaves, 0, leaves.length);
}

function subtreeRoot(leaves: readonly string[], from: number, to: number): string {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** The inclusion proof (audit path) of the leaf at `index`: sibling hashes from the leaf up to the root. */
export function inclusionProof(leaves: readonly string[], index: number): string[] {
  return new MerkleTree(leaves).proof(index);
}

/**
 * Subtrees of at least this many leaves keep their root once computed (MerkleTree), and a checkpoint stores their
 * roots (merkleNodes); a smaller one costs little to compute again from its leaves.
 */
export const KEPT_SUBTREE = 64;

/** A subtree, by the leaves it spans: [from, to). */
export interface LeafRange {
  from: number;
  to: number;
}

export interface SubtreeRoot extends LeafRange {
  hash: string;
}

/**
 * The tree's root and the root of each of its subtrees of at least `minSize` leaves, in one pass over the leaves:
 * what a checkpoint stores so that a proof reads a few of them and a few small runs of leaves (proofRanges),
 * never the whole tree again.
 */
export function merkleNodes(
  leaves: readonly string[],
  minSize = KEPT_SUBTREE,
): { root: string; nodes: SubtreeRoot[] } {
  const nodes: SubtreeRoot[] = [];
  const walk = (from: number, to: number): string => {
    const n = to - from;
    if (n === 1) return leaves[from]!;
    const k = split(n);
    const hash = nodeHash(walk(from, from + k), walk(from + k, to));
    if (n >= minSize) nodes.push({ from, to, hash });
    return hash;
  };
  return { root: leaves.length === 0 ? EMPTY_ROOT : walk(0, leaves.length), nodes };
}

/**
 * The sibling subtrees whose roots make the inclusion proof of the leaf at `index` in a tree of `size` leaves,
 * bottom-up, as the proof lists them. They depend on the two numbers alone.
 */
export function proofRanges(size: number, index: number): LeafRange[] {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
  }
  const ranges: LeafRange[] = [];
  let from = 0;
  let to = size;
  // Walk down from the root, keeping the sibling subtree at each level.
  while (to - from > 1) {
    const k = split(to - from);
    if (index < from + k) {
      ranges.push({ from: from + k, to });
      to = from + k;
    } else {
      ranges.push({ from, to: from + k });
      from += k;
    }
  }
  return ranges.reverse();
}

/**
 * A proof over `ranges` (proofRanges) from what a checkpoint stored: the root of each subtree of at least `minSize`
 * leaves (merkleNodes) and the leaf hashes of the smaller ones. Null when any of them is missing.
 */
export function storedProof(
  ranges: readonly LeafRange[],
  stored: { root: (range: LeafRange) => string | undefined; leaf: (index: number) => string | undefined },
  minSize = KEPT_SUBTREE,
): string[] | null {
  const path: string[] = [];
  for (const range of ranges) {
    if (range.to - range.from >= minSize) {
      const root = stored.root(range);
      if (root === undefined) return null;
      path.push(root);
      continue;
    }
    const run: string[] = [];
    for (let i = range.from; i < range.to; i += 1) {
      const leaf = stored.leaf(i);
      if (leaf === undefined) return null;
      run.push(leaf);
    }
    // A subtree has the shape of a whole tree of as many leaves.
    path.push(merkleRoot(run));
  }
  return path;
}

/**
 * One tree's proofs. One proof hashes the whole tree (each sibling subtree's root); a checkpoint's leaves never
 * change, so a tree kept for it keeps the roots of its larger subtrees, and each later proof costs a few small
 * subtrees along its path (about 2 × KEPT_SUBTREE hashes) instead of the whole tree again.
 */
export class MerkleTree {
  private readonly kept = new Map<number, string>();

  constructor(private readonly leaves: readonly string[]) {}

  proof(index: number): string[] {
    return proofRanges(this.leaves.length, index).map(({ from, to }) => this.subtree(from, to));
  }

  private subtree(from: number, to: number): string {
    const n = to - from;
    if (n < KEPT_SUBTREE) return subtreeRoot(this.leaves, from, to);
    const key = from * (this.leaves.length + 1) + to;
    let root = this.kept.get(key);
    if (root === undefined) {
      const k = split(n);
      root = nodeHash(this.subtree(from, from + k), this.subtree(from + k, to));
      this.kept.set(key, root);
    }
    return root;
  }
}

/** RFC 9162 §2.1.3.2: whether `leaf` sits at `index` of a tree of `size` leaves whose root is `root`. */
export function verifyInclusion(proof: {
  leaf: string;
  index: number;
  size: number;
  path: readonly string[];
  root: string;
}): boolean {
  const { leaf, index, size, path, root } = proof;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // BigInt keeps the shifts exact beyond 2^31.
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r === root;
}
