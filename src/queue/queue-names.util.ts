import type { JobQueue } from '../engine/plan.types.js';

/** Every queue there is, for the views of all of them (metrics, dashboard). */
export const ALL_QUEUES: readonly JobQueue[] = ['deadlines', 'reminders', 'rules'];
