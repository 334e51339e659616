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
  return {
    id: application.id,
    workflow: { key: application.workflowKey, version: application.workflowVersion },
    status: application.status,
    submittedAt: application.submittedAt.toISOString(),
    decidedAt: application.decidedAt?.toISOString() ?? null,
    expectedBy: application.expectedBy?.toISOString() ?? null,
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
        dueAt: task?.dueAt.toISOString() ?? null,
        decidedAt: task?.decidedAt?.toISOString() ?? null,
        decidedBy: task?.decidedBy ?? null,
        overdue: task?.overdue ?? false,
        reminded: task?.reminded ?? false,
        dueBeyondCalendar: task?.dueBeyondCalendar ?? false,
        comment: task?.comment ?? null,
      };
    }),
    corrections: [] as { step: string; comment: string | null; fields: string[] }[],
  };
}

export type ApplicationView = ReturnType<typeof applicationView>;

export function etagOf(application: Pick<ApplicationRow, 'id' | 'revision'>): string {
  return `"${application.id}.${application.revision}"`;
}
