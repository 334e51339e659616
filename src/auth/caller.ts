export type Role = 'admin' | 'officer' | 'applicant';

export const ROLES: readonly Role[] = ['admin', 'officer', 'applicant'];

/** Who is calling, as the verified token says. */
export interface Caller {
  id: string;
  role: Role;
  /** The first of `departments`, or null: kept for code that knows one department. */
  department: string | null;
  /** Every department the caller works for; an officer may belong to several. Absent: just `department`. */
  departments?: string[];
  /** When the presented token stops being accepted (ms since the epoch): an event stream opened with it ends then. */
  validUntil?: number;
}

/**
 * Every department an officer works for, never empty (an officer token always names one, so `IN (...)` stays valid
 * SQL); what their inbox, their task reads and their live stream cover.
 */
export function departmentsOf(caller: Caller): string[] {
  return caller.departments?.length ? caller.departments : [caller.department ?? ''];
}
