import { instantInZone } from '../calendar/calendar.util.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import type { TaskRow } from '../engine/plan.types.js';

/** Only the form fields the step's `fields` grant (all of them when it names none): data minimisation. */
export function pickFields(
  data: Record<string, unknown>,
  fields: string[] | undefined,
): Record<string, unknown> {
  if (fields === undefined) return data;
  const picked: Record<string, unknown> = {};
  for (const path of fields) {
    const segments = path.split('.');
    let source: unknown = data;
    for (const segment of segments) {
      source =
        source && typeof source === 'object' ? (source as Record<string, unknown>)[segment] : undefined;
    }
    if (source === undefined) continue;
    let target = picked;
    for (const segment of segments.slice(0, -1)) {
      target = (target[segment] ??= {}) as Record<string, unknown>;
    }
    target[segments[segments.length - 1]!] = source;
  }
  return picked;
}

/** A task as its department sees it; `workflow` is the version the application is pinned to. */
export function taskView(task: TaskRow, workflow: CompiledWorkflow, data: Record<string, unknown>) {
  const step = workflow.step(task.step);
  return {
    id: task.id,
    applicationId: task.applicationId,
    workflow: { key: task.workflowKey, version: workflow.version },
    step: task.step,
    name: step.name,
    department: task.department,
    status: task.status,
    openedAt: task.openedAt.toISOString(),
    dueAt: instantInZone(task.dueAt, workflow.timeZone),
    dueBeyondCalendar: task.dueBeyondCalendar,
    remindAt: task.remindAt ? instantInZone(task.remindAt, workflow.timeZone) : null,
    decidedAt: task.decidedAt?.toISOString() ?? null,
    decidedBy: task.decidedBy,
    decidedByOfficer: task.decidedByOfficer,
    overdue: task.overdue,
    reminded: task.reminded,
    attempt: task.attempt,
    comment: task.comment,
    signoffs: task.signoffs,
    signoffRequired: task.signoffRequired ?? step.signoff ?? 1,
    claimedBy: task.claimedBy,
    produces: step.produces ?? [],
    data: pickFields(data, step.fields),
  };
}

export type TaskView = ReturnType<typeof taskView>;
