import {
  REFERENCE_LOCAL_DATE,
  REFERENCE_LOCAL_HOUR,
  type AnalysisClock,
} from '../definitions/definition-graph.util.js';
import { dueTime, startOfLocalDay, type BusinessCalendar } from './calendar.util.js';

/**
 * The clock a workflow's analysis runs on when its limits mix units: steps open at `from` (by default the reference
 * instant, 09:00 local time on Monday 2 March 2026, a working day) and are due exactly when the engine would make them
 * due, by the workflow's calendar. Without a calendar, working days are plain UTC days, as in the engine.
 */
export function analysisClock(calendar?: BusinessCalendar, from?: Date): AnalysisClock {
  const start =
    from ??
    new Date(
      startOfLocalDay(REFERENCE_LOCAL_DATE, calendar?.timeZone ?? 'UTC') + REFERENCE_LOCAL_HOUR * 3_600_000,
    );
  return { from: start, due: (openedAt, limit) => dueTime(openedAt, limit, calendar).dueAt };
}
