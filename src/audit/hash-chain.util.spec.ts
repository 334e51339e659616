import { describe, expect, it } from '@jest/globals';
import { chainHash, GENESIS_HASH, verifyChain } from './hash-chain.util.js';
import type { ChainedContent, ChainedRow } from './hash-chain.util.js';

function chain(contents: ChainedContent[]): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prev = GENESIS_HASH;
  for (const content of contents) {
    const hash = chainHash(prev, content);
    rows.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

const event = (seq: number, type = 'submitted'): ChainedContent => ({
  seq,
  at: new Date(Date.UTC(2026, 10, 27, 8, seq)).toISOString(),
  actor: { role: 'applicant', id: 'ann' },
  type,
  step: null,
  detail: { n: seq, nested: { b: 1, a: 2 } },
});

describe('history hash chain', () => {
  const rows = chain([event(1), event(2, 'decided'), event(3)]);

  it('verifies an untouched chain and reports its head', () => {
    expect(verifyChain(rows)).toEqual({ valid: true, head: rows[2]!.hash, brokenAt: null });
  });

  it('reports an empty chain as valid with the genesis head', () => {
    expect(verifyChain([])).toEqual({ valid: true, head: GENESIS_HASH, brokenAt: null });
  });

  it('detects an edited detail', () => {
    const tampered = rows.map((r) => (r.seq === 2 ? { ...r, detail: { n: 99 } } : r));
    expect(verifyChain(tampered)).toMatchObject({ valid: false, brokenAt: 2 });
  });

  it('detects a dropped row', () => {
    expect(verifyChain([rows[0]!, rows[2]!])).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('detects a rewritten row whose own hash was recomputed', () => {
    const forged = { ...rows[1]!, actor: { role: 'officer', id: 'mallory' } };
    const { prevHash: _p, hash: _h, ...content } = forged;
    const rewritten = [rows[0]!, { ...forged, hash: chainHash(rows[0]!.hash, content) }, rows[2]!];
    expect(verifyChain(rewritten)).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('hashes the same content equally whatever the key order', () => {
    const a = event(1);
    const b = { ...a, detail: { nested: { a: 2, b: 1 }, n: 1 } };
    expect(chainHash(GENESIS_HASH, a)).toBe(chainHash(GENESIS_HASH, b));
  });
});
