import type { JobQueue } from '../engine/plan.types.js';

/**
 * Every queue there is, for the views of all of them (metrics, dashboard): the event path's and the webhook
 * deliveries' ('webhooks' is named here rather than imported so that this folder does not depend on the
 * webhooks domain, which depends on it).
 */
export const ALL_QUEUES: readonly (JobQueue | 'webhooks')[] = ['deadlines', 'reminders', 'rules', 'webhooks'];
