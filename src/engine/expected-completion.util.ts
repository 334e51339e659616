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
 * past it (an escalated step is still being worked on, never done in the past); a returned step is reopened with a
 * fresh full limit by the resubmission, so it is projected as though corrected now; blocked steps are projected to
 * open when their last prerequisite is due. Null when nothing is left.
 */
export function expectedCompletion(input: ProjectionInput): Date | null {
  const finish = new Map<string, Date>();
  let latest: Date | null = null;
  for (const step of input.order) {
    const status = input.status[step];
    let end: Date;
    if (status === undefined || DONE.includes(status)) {
      end = input.now;
    } else if (status === 'open') {
      const due = input.dueAt[step];
      end = due && due > input.now ? due : input.now;
    } else if (status === 'returned') {
      end = input.due(step, input.now);
    } else {
      const start = (input.dependencies[step] ?? [])
        .map((p) => finish.get(p) ?? input.now)
        .reduce((a, b) => (b > a ? b : a), input.now);
      end = input.due(step, start);
    }
    finish.set(step, end);
    if (status !== undefined && !DONE.includes(status) && (latest === null || end > latest)) latest = end;
  }
  return latest;
}
