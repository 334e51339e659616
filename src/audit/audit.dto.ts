import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

const HEX64 = { type: String, example: 'a3f1…', description: 'SHA-256, 64 lower-case hex digits' };

export class CheckpointListQuery {
  @ApiPropertyOptional({ description: 'Page size, 1 to 100 (default 50)' })
  @IsOptional()
  @Matches(/^([1-9]|[1-9]\d|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor this API returned' })
  cursor?: string;
}

/** A signed checkpoint. Its signed statement is every field but `hash` and `signature` (docs/audit.md). */
export class CheckpointView {
  @ApiProperty({ description: 'Statement format, 1' })
  version: number;

  @ApiProperty({ description: '1, 2, 3…, without gaps' })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({
    description: 'History ids above this (the previous checkpoint’s toId) are new here; decimal',
  })
  fromId: string;

  @ApiProperty({ description: 'The highest history id covered; decimal' })
  toId: string;

  @ApiProperty({ description: 'How many chain heads (applications) the tree holds' })
  leafCount: number;

  @ApiProperty({
    ...HEX64,
    description: 'Merkle root (RFC 9162) over the chain heads, ordered by application id',
  })
  root: string;

  @ApiProperty({ ...HEX64, description: 'The previous checkpoint’s hash; 64 zeros for the first' })
  prevHash: string;

  @ApiProperty({ ...HEX64, description: 'SHA-256 of the public key’s DER (SPKI) that signed' })
  keyId: string;

  @ApiProperty({ ...HEX64, description: 'SHA-256 of the signed statement' })
  hash: string;

  @ApiProperty({ description: 'Ed25519 signature over the statement, base64' })
  signature: string;
}

export class CheckpointPage {
  @ApiProperty({ type: [CheckpointView], description: 'Newest first' })
  items: CheckpointView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  nextCursor: string | null;
}

export class PublicKeyView {
  @ApiProperty({ example: 'Ed25519' })
  algorithm: string;

  @ApiProperty({ ...HEX64, description: 'SHA-256 of the key’s DER (SPKI); checkpoints name it' })
  keyId: string;

  @ApiProperty({ description: 'The public key, SPKI PEM' })
  pem: string;
}

export class VerifyReport {
  @ApiProperty({ description: 'How many applications’ histories were checked' })
  checked: number;

  @ApiProperty({ type: [String], description: 'Ids of the applications whose history fails, sorted' })
  failed: string[];

  @ApiProperty({ description: 'How many checkpoints were checked' })
  checkpoints: number;

  @ApiProperty({ type: [Number], description: 'Seqs of checkpoints that fail (signature, link or leaves)' })
  failedCheckpoints: number[];
}

export class ChainHeadLeaf {
  @ApiProperty({ description: 'Position of the leaf in the checkpoint’s tree' })
  index: number;

  @ApiProperty({ description: 'The history seq that was the head when the checkpoint was signed' })
  seq: number;

  @ApiProperty({ ...HEX64, description: 'That event’s hash' })
  hash: string;
}

/** The latest checkpoint covering an application, and the proof that its head is in it. */
export class CheckpointProof {
  @ApiProperty({ type: CheckpointView })
  checkpoint: CheckpointView;

  @ApiProperty({ type: ChainHeadLeaf, description: 'Leaf data is `applicationId\\nseq\\nhash` (UTF-8)' })
  leaf: ChainHeadLeaf;

  @ApiProperty({ type: [String], description: 'RFC 9162 inclusion path, sibling hashes from the leaf up' })
  proof: string[];
}

class HistoryActor {
  @ApiProperty({ enum: ['admin', 'officer', 'applicant', 'system'] })
  role: string;

  @ApiProperty()
  id: string;
}

class HistoryEvent {
  @ApiProperty()
  seq: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: HistoryActor })
  actor: HistoryActor;

  @ApiProperty({ description: 'See docs/history-events.md' })
  type: string;

  @ApiProperty({ type: String, nullable: true })
  step: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  detail: Record<string, unknown>;
}

class ChainState {
  @ApiProperty({ description: 'The hash chain verifies row by row' })
  valid: boolean;

  @ApiProperty(HEX64)
  head: string;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'Whether the event at the signed head still has the signed hash; null when no checkpoint covers the application yet',
  })
  matchesCheckpoint: boolean | null;
}

export class HistoryView {
  @ApiProperty({ type: [HistoryEvent] })
  events: HistoryEvent[];

  @ApiProperty({ type: ChainState })
  chain: ChainState;

  @ApiProperty({
    type: CheckpointProof,
    nullable: true,
    description: 'The latest signed checkpoint covering this application; null until one does',
  })
  checkpoint: CheckpointProof | null;
}
