import { isAllowedHost } from '../common/allowed-host.util.js';

/** How long one attempt may take before it counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How long an attempt has a delivery: well past its time-out, so only a crashed attempt's lease runs out. */
export const DELIVERY_LEASE_MS = 3 * DELIVERY_TIMEOUT_MS;
/** The sweep's wait after the queue's own retries are spent: doubling per attempt, never longer than this. */
export const MAX_SWEEP_BACKOFF_MS = 10 * 60_000;

/** Why a target URL is refused, or null: http(s) only, no credentials, host on WEBHOOK_ALLOWED_HOSTS. */
export function webhookUrlProblem(raw: string, allowedHosts: readonly string[]): string | null {
  const shape = webhookUrlShapeProblem(raw);
  if (shape !== null) return shape;
  if (!isAllowedHost(new URL(raw), allowedHosts)) return 'names a host that is not on WEBHOOK_ALLOWED_HOSTS';
  return null;
}

/**
 * What is wrong with a webhook URL whatever the configuration says, or null: the request's DTO checks it, so that
 * a bad URL is named in the same 400 as the request's other problems.
 */
export function webhookUrlShapeProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  return null;
}

export interface HistoryRowLike {
  applicationId: string;
  seq: number;
  at: Date;
  actorRole: string;
  actorId: string;
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
}

/**
 * The JSON body of one delivery, in the Standard Webhooks shape `{ type, timestamp, data }`. It depends only on
 * the (immutable) history entry, so every attempt and every redelivery sends the same bytes under the same id.
 */
export function deliveryPayload(row: HistoryRowLike, workflow: { key: string; version: number }): string {
  return JSON.stringify({
    type: row.type,
    timestamp: row.at.toISOString(),
    data: {
      applicationId: row.applicationId,
      workflow,
      seq: row.seq,
      at: row.at.toISOString(),
      actor: { role: row.actorRole, id: row.actorId },
      step: row.step,
      detail: row.detail,
    },
  });
}

/** The advisory lock under which one (subscription, application) pair's next delivery is leased. */
export function pairLockKey(subscriptionId: string, applicationId: string): string {
  return `webhook ${subscriptionId} ${applicationId}`;
}

/**
 * The queue's id for a job that sends a pair whose oldest pending delivery is `head`: the same for the same state,
 * so a pair woken twice is queued once. A lease that ran out (its process crashed) is a new state: the job that
 * found it in flight, kept a while as completed, must not stand for the one that takes it up.
 */
export function deliveryJobId(head: { id: string; attempts: number; leasedUntil: Date | null }): string {
  return `webhook-${head.id}-${head.attempts}-${head.leasedUntil?.getTime() ?? 0}`;
}

/** When the sweep may try again after `attempts` failed attempts. */
export function nextAttemptAt(now: Date, attempts: number): Date {
  const wait = Math.min(MAX_SWEEP_BACKOFF_MS, 1000 * 2 ** Math.min(attempts, 30));
  return new Date(now.getTime() + wait);
}
