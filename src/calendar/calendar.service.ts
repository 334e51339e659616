import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DomainException } from '../common/domain.exception.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Duration } from '../definitions/definition.types.js';
import { loadCalendars, SHIPPED_CALENDARS_DIR } from './calendar-registry.js';
import { daysOfDataLeft, dueTime, remindAt } from './calendar.util.js';
import type { BusinessCalendar, DueTime } from './calendar.util.js';

/**
 * A calendar whose holiday data ends within this many days is named in a warning at start. The State Council
 * publishes a year's schedule in its last months; a quarter ahead leaves time to put the new data in.
 */
export const DATA_WARNING_DAYS = 90;

/** The business calendars, loaded once at start: the shipped ones and the operator's `CALENDARS_DIR`. */
@Injectable()
export class CalendarService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CalendarService.name);
  private readonly calendars: Map<string, BusinessCalendar>;

  constructor(@Inject(APP_CONFIG) config: RuntimeConfig, metrics: MetricsService) {
    try {
      this.calendars = loadCalendars(
        config.calendarsDir ? [SHIPPED_CALENDARS_DIR, config.calendarsDir] : [SHIPPED_CALENDARS_DIR],
      );
    } catch (error) {
      // The operator's folder is the likely culprit: say which setting to look at.
      const hint = config.calendarsDir ? ` (CALENDARS_DIR=${config.calendarsDir})` : '';
      throw new Error(`calendars cannot be loaded${hint}: ${(error as Error).message}`, { cause: error });
    }
    metrics.gaugeCalendarDataLeft(() => this.dataLeft(Date.now()));
  }

  /** Past its data a count knows only weekends: every holiday there would be taken for a working day. */
  onApplicationBootstrap(): void {
    for (const [name, days] of this.dataLeft(Date.now())) {
      if (days >= DATA_WARNING_DAYS) continue;
      const until = this.get(name).coversUntil;
      const when = days < 0 ? `ended ${-days} days ago` : `ends in ${days} days`;
      this.logger.warn(
        `calendar ${name}: its holiday data ${when} (${until}); due times counted past it take its holidays for working days. Put a newer file for it in CALENDARS_DIR`,
      );
    }
  }

  /** Each calendar's days of holiday data left after today (daysOfDataLeft). */
  private dataLeft(now: number): Map<string, number> {
    return new Map(
      [...this.calendars.values()].map((calendar) => [calendar.name, daysOfDataLeft(calendar, now)]),
    );
  }

  has(name: string): boolean {
    return this.calendars.has(name);
  }

  list() {
    return [...this.calendars.values()].map(({ name, timeZone, coversFrom, coversUntil }) => ({
      name,
      timeZone,
      coversFrom,
      coversUntil,
    }));
  }

  get(name: string): BusinessCalendar {
    const calendar = this.calendars.get(name);
    if (!calendar) throw DomainException.notFound(`Calendar ${name}`);
    return calendar;
  }

  /**
   * A due time. Naming `what` logs a count that ran past the calendar's holiday data (the response says so too);
   * projections leave it out, or every event would repeat the warning.
   */
  due(calendarName: string | undefined, from: Date, limit: Duration, what?: string): DueTime {
    const due = dueTime(from, limit, calendarName === undefined ? undefined : this.get(calendarName));
    if (due.beyondData && what !== undefined) {
      this.logger.warn(
        `${what} was counted past the data of calendar ${calendarName}: only weekends are known there`,
      );
    }
    return due;
  }

  remindAt(calendarName: string | undefined, dueAt: Date, remindBefore: Duration): Date {
    return remindAt(dueAt, remindBefore, calendarName === undefined ? undefined : this.get(calendarName))
      .remindAt;
  }
}
