import type { StepStatus } from './workflow-machine.util.js';

export interface ProjectionInput {
  /** Step ids in an order where every step follows its prerequisites. */
  order: string[];
  dependencies: Record<string, string[]>;
  status: Record<string, StepStatus>;
  /** Due times of open steps. */
  dueAt: Record<string, Date | null | undefined>;
  /** The due time a step would get if it opened at `from`. */
  due: (step: string, from: Date) => Date;
  now: Date;
}

const DONE: StepStatus[] = ['approved', 'skipped', 'rejected', 'cancelled'];

/**
 * The latest due time along what is left of the work: open steps finish at their due time, or now for one already
 * past it (an escalated step is still being worked on, never done in the past); blocked steps are projected to open
 * when their last prerequisite is due. A returned step reopens, with a fresh full limit, at the resubmission, which
 * the applicant can make only once no step is open: it is projected to reopen when the rest of the work not waiting
 * for it is due, and the steps after it follow. Null when nothing is left.
 */
export function expectedCompletion(input: ProjectionInput): Date | null {
  const finish = new Map<string, Date>();
  let latest: Date | null = null;
  const settle = (step: string, end: Date, live: boolean) => {
    finish.set(step, end);
    if (live && (latest === null || end > latest)) latest = end;
  };
  const startOf = (step: string) =>
    (input.dependencies[step] ?? [])
      .map((p) => finish.get(p) ?? input.now)
      .reduce((a, b) => (b > a ? b : a), input.now);
  /** Returned steps, and the live steps that wait for one. */
  const afterReturn: string[] = [];
  const waits = new Set<string>();
  for (const step of input.order) {
    const status = input.status[step];
    if (status === undefined || DONE.includes(status)) {
      settle(step, input.now, false);
    } else if (status === 'returned' || (input.dependencies[step] ?? []).some((p) => waits.has(p))) {
      waits.add(step);
      afterReturn.push(step);
    } else if (status === 'open') {
      const due = input.dueAt[step];
      settle(step, due && due > input.now ? due : input.now, true);
    } else {
      settle(step, input.due(step, startOf(step)), true);
    }
  }
  const resubmittedBy: Date = latest ?? input.now;
  for (const step of afterReturn) {
    const start = input.status[step] === 'returned' ? resubmittedBy : startOf(step);
    settle(step, input.due(step, start > resubmittedBy ? start : resubmittedBy), true);
  }
  return latest;
}
