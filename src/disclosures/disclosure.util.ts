import type { PiiReadQuotas } from '../config/security-config.js';

/**
 * The dotted paths of the fields a view shows: every leaf of its (already granted) data. An array is one field;
 * an empty object shows nothing. These are the names recorded in the ledger, so the applicant sees `company.code`
 * rather than a whole `company` when a step was granted only that.
 */
export function disclosedFields(data: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(data).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? disclosedFields(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/** A department's reads allowed per clock hour, or undefined when PII_READ_QUOTAS sets none for it. */
export function quotaOf(quotas: PiiReadQuotas, department: string): number | undefined {
  return quotas.departments.get(department) ?? quotas.others;
}

/** The start of the clock hour (UTC) holding `now`: the fixed window a quota counts in. */
export function hourStart(now: Date): Date {
  return new Date(now.getTime() - (now.getTime() % 3_600_000));
}

/** Seconds from `now` to the next clock hour, when the quota window starts again; at least 1. */
export function secondsToNextHour(now: Date): number {
  return Math.max(1, Math.ceil((hourStart(now).getTime() + 3_600_000 - now.getTime()) / 1000));
}
