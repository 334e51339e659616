import type { HistoryEntry } from '../audit/hash-chain.util.js';
import { APPLICATION_STATUSES, STEP_STATUSES } from './workflow-machine.util.js';
import type { ApplicationStatus, StepStatus } from './workflow-machine.util.js';

/**
 * The entries an event writes of itself (docs/history-events.md), and `step_opened`; the other consequences are a
 * step's or the application's new status, `step_<status>` and `application_<status>`.
 */
const NAMED_TYPES = [
  'submitted',
  'decided',
  'deemed_approved',
  'rejected_on_timeout',
  'escalated',
  'reminded',
  'rule_approved',
  'rule_not_held',
  'withdrawn',
  'resubmitted',
  'correction_lapsed',
  'claimed',
  'released',
  'transferred',
  'signers_added',
  'step_opened',
] as const;

/** A step that opens says so as `step_opened`, with its attempt and due time. */
type NotOpen = Exclude<StepStatus, 'open'>;

export type HistoryType =
  (typeof NAMED_TYPES)[number] | `step_${NotOpen}` | `application_${ApplicationStatus}`;

/**
 * An entry the engine writes. Its type is checked against the catalogue at compile time, so a new kind of entry
 * cannot be written without being named here, where webhook subscriptions look names up.
 */
export interface EngineEntry extends HistoryEntry {
  type: HistoryType;
}

/** Every history entry type, added to and never renamed: what a webhook may subscribe to. */
export const HISTORY_TYPES: readonly HistoryType[] = [
  ...NAMED_TYPES,
  ...STEP_STATUSES.filter((s): s is NotOpen => s !== 'open').map((s) => `step_${s}` as const),
  ...APPLICATION_STATUSES.map((s) => `application_${s}` as const),
];

const KNOWN: ReadonlySet<string> = new Set(HISTORY_TYPES);

export function isHistoryType(name: string): name is HistoryType {
  return KNOWN.has(name);
}
