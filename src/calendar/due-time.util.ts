import type { Duration } from '../definitions/definition.types.js';
import { durationSeconds } from '../definitions/definition-graph.util.js';

/**
 * The due time of a step opened at `openedAt`. Until business calendars arrive, a working day counts as a
 * calendar day; hours, minutes and seconds are wall-clock time.
 */
export function dueTime(openedAt: Date, limit: Duration): Date {
  return new Date(openedAt.getTime() + durationSeconds(limit) * 1000);
}
