import { instantInZone } from '../calendar/calendar.util.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import type { ApplicationRow, TaskRow } from '../engine/plan.types.js';
import type { StepStatus } from '../engine/workflow-machine.util.js';

/** The applicant's one status view (API.md): every step, with the latest attempt's times and outcome. */
export function applicationView(application: ApplicationRow, workflow: CompiledWorkflow, tasks: TaskRow[]) {
  const latest = new Map<string, TaskRow>();
  for (const task of tasks) {
    const seen = latest.get(task.step);
    if (!seen || seen.attempt < task.attempt) latest.set(task.step, task);
  }
  const stepStatus = (application.snapshot.value as { steps: Record<string, StepStatus> }).steps;
  const asked = (application.snapshot.context as { corrections?: Record<string, string[]> } | undefined)
    ?.corrections;
  // Told once (一次性告知): the requests are listed together when no department is still reviewing.
  const told = application.status === 'correction_requested' || application.status === 'lapsed';
  return {
    id: application.id,
    workflow: { key: application.workflowKey, version: application.workflowVersion },
    status: application.status,
    submittedAt: application.submittedAt.toISOString(),
    decidedAt: application.decidedAt?.toISOString() ?? null,
    // Due times in the calendar's own time (the end of a working day reads as one); other instants in UTC.
    expectedBy: application.expectedBy ? instantInZone(application.expectedBy, workflow.timeZone) : null,
    // What the departments committed to for this application: a step it skipped holds nothing up.
    commitment: workflow.commitment(
      workflow.definition.steps.filter((step) => stepStatus[step.id] === 'skipped').map((step) => step.id),
    ),
    revision: application.revision,
    data: application.data,
    produced: application.produced,
    steps: workflow.definition.steps.map((step) => {
      const task = latest.get(step.id);
      return {
        id: step.id,
        name: step.name,
        department: step.department,
        status: stepStatus[step.id] ?? 'blocked',
        openedAt: task?.openedAt.toISOString() ?? null,
        dueAt: task ? instantInZone(task.dueAt, workflow.timeZone) : null,
        decidedAt: task?.decidedAt?.toISOString() ?? null,
        decidedBy: task?.decidedBy ?? null,
        overdue: task?.overdue ?? false,
        reminded: task?.reminded ?? false,
        dueBeyondCalendar: task?.dueBeyondCalendar ?? false,
        comment: task?.comment ?? null,
      };
    }),
    corrections: told
      ? workflow.definition.steps
          .filter((step) => asked?.[step.id] !== undefined)
          .map((step) => ({
            step: step.id,
            department: step.department,
            comment: latest.get(step.id)?.comment ?? null,
            fields: asked?.[step.id] ?? [],
          }))
      : [],
    waitingForApplicant: waitingView(application, workflow.timeZone),
  };
}

/**
 * Time the application spent waiting for the applicant: no department's clock runs then (no step is open, and
 * reopened steps get a fresh full time limit). `seconds` counts the stretches that have ended; a stretch under
 * way is told by `since`, so the view stays the same for one revision (its ETag).
 */
function waitingView(application: ApplicationRow, timeZone: string | null) {
  const open = application.waiting.find((w) => w.to === null);
  const seconds = application.waiting
    .filter((w) => w.to !== null)
    .reduce((sum, w) => sum + (Date.parse(w.to!) - Date.parse(w.from)) / 1000, 0);
  return {
    waiting: open !== undefined,
    since: open?.from ?? null,
    // A due time, like a step's: the window ends on the calendar.
    lapsesAt: application.correctionDueAt ? instantInZone(application.correctionDueAt, timeZone) : null,
    seconds,
    intervals: application.waiting,
  };
}

export type ApplicationView = ReturnType<typeof applicationView>;

export function etagOf(application: Pick<ApplicationRow, 'id' | 'revision'>): string {
  return `"${application.id}.${application.revision}"`;
}

/**
 * The revision of application `id` that an If-None-Match header names (weak or strong), or null. Only a tag
 * `etagOf` could have written counts (`"id.07"` is not `"id.7"`), so a 304 still means the tags are equal.
 */
export function revisionNamed(ifNoneMatch: string | undefined, id: string): number | null {
  for (const tag of ifNoneMatch?.split(',') ?? []) {
    const match = /^(?:W\/)?"([^".]+)\.([1-9]\d{0,8})"$/.exec(tag.trim());
    if (match?.[1] === id) return Number(match[2]);
  }
  return null;
}

/** Whether an If-None-Match header is `*` (or lists it): any current representation, so any revision (RFC 9110). */
export function namesAnyRevision(ifNoneMatch: string | undefined): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim() === '*') ?? false;
}
