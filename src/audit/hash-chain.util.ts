import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.util.js';

/** The hash a chain starts from: the first row of every application points at it. */
export const GENESIS_HASH = '0'.repeat(64);

export interface Actor {
  role: 'admin' | 'officer' | 'applicant' | 'system';
  id: string;
}

/** One entry to append to an application's history, before it is numbered and chained. */
export interface HistoryEntry {
  actor: Actor;
  type: string;
  step?: string | null;
  detail?: Record<string, unknown>;
}

export interface ChainedContent {
  seq: number;
  at: string;
  actor: { role: string; id: string };
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
}

export interface ChainedRow extends ChainedContent {
  prevHash: string;
  hash: string;
}

/** Each row's hash covers its whole content and the previous hash, so editing or dropping any row shows. */
export function chainHash(prevHash: string, content: ChainedContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

export function verifyChain(rows: ChainedRow[]): { valid: boolean; head: string; brokenAt: number | null } {
  let prev = GENESIS_HASH;
  for (const [index, row] of rows.entries()) {
    const { prevHash, hash, ...content } = row;
    if (row.seq !== index + 1 || prevHash !== prev || chainHash(prev, content) !== hash) {
      return { valid: false, head: rows[rows.length - 1]?.hash ?? GENESIS_HASH, brokenAt: row.seq };
    }
    prev = hash;
  }
  return { valid: true, head: prev, brokenAt: null };
}
