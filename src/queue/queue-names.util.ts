import type { JobQueue } from '../engine/plan.types.js';

/** The queues the event path uses: timers and fact rules. */
export const EVENT_QUEUES: readonly JobQueue[] = ['deadlines', 'reminders', 'rules'];

/**
 * Every queue there is, for the views of all of them (metrics, dashboard): the event path's and the webhook
 * deliveries' ('webhooks' is named here rather than imported so that this folder does not depend on the
 * webhooks domain, which depends on it).
 */
export const ALL_QUEUES: readonly (JobQueue | 'webhooks')[] = [...EVENT_QUEUES, 'webhooks'];
