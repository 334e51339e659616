import type { EngineEntry } from './history-types.util.js';
import { factsUsed } from '../rules/rule.util.js';
import type { PlanContext, TaskRow } from './plan.types.js';
import type { ChartState, DecidedBy, StepStatus } from './workflow-machine.util.js';

/** Who closed a step, when the event being projected targets one: the rest close by consequence. */
export interface Attribution {
  step: string;
  decidedBy: DecidedBy;
  officer: string | null;
  comment: string | null;
}

export const taskKey = (step: string, attempt: number) => `${step}#${attempt}`;

/** A rule that reads no facts is evaluated inside the event; only fact rules wait for the rule worker. */
export function readsFacts(rule: unknown): boolean {
  return rule !== undefined && factsUsed(rule as never).length > 0;
}

/**
 * The one place task rows come from: each step's current attempt is projected from the snapshot (status,
 * countersignatures, overdue, reminded, rule pending), and only the facts the snapshot does not keep come from
 * elsewhere: times are `now` at the moment a row changes, due times come from the calendar, and the attribution
 * says who decided the step this event targets. Earlier attempts are history and are never touched.
 *
 * `rows` is keyed by `taskKey`; the projection returns a new map and the history entries of the step changes.
 * `only`, when given, names the steps the event can have changed (their status, or their part of the context): the
 * rows of the others are kept as they are, which is what projecting them again would give.
 */
export function projectTasks(input: {
  rows: ReadonlyMap<string, TaskRow>;
  before: Readonly<Record<string, StepStatus>>;
  result: ChartState;
  attribution: Attribution | null;
  applicationId: string;
  ctx: PlanContext;
  only?: ReadonlySet<string>;
}): { rows: Map<string, TaskRow>; entries: EngineEntry[] } {
  const { result, attribution, ctx } = input;
  const { workflow, now } = ctx;
  const rows = new Map(input.rows);
  const entries: EngineEntry[] = [];
  const context = result.context;

  for (const stepId of workflow.order) {
    if (input.only && !input.only.has(stepId)) continue;
    const step = workflow.step(stepId);
    const status = result.steps[stepId];
    if (status === undefined) continue;
    const attempt = context.attempts[stepId] ?? 1;
    const key = taskKey(stepId, attempt);
    const existing = rows.get(key);
    const was = input.before[stepId];

    if (!existing) {
      if (status === 'open') {
        const due = ctx.due(step, now);
        const remindAt = step.remindBefore ? ctx.remindAt(step, step.remindBefore, due.dueAt) : null;
        const opened: TaskRow = {
          id: ctx.newId(),
          applicationId: input.applicationId,
          workflowKey: workflow.key,
          workflowVersion: workflow.version,
          step: stepId,
          attempt,
          department: step.department,
          status,
          openedAt: now,
          dueAt: due.dueAt,
          dueBeyondCalendar: due.beyondData,
          // A reminder that would fall before the step opens is no reminder.
          remindAt: remindAt && remindAt > now ? remindAt : null,
          decidedAt: null,
          decidedBy: null,
          decidedByOfficer: null,
          overdue: false,
          reminded: false,
          rulePending: false,
          signoffs: [],
          comment: null,
          claimedBy: null,
          signoffRequired: null,
        };
        rows.set(key, { ...opened, ...projected(opened, stepId, status, input) });
        entries.push({
          actor: { role: 'system', id: 'engine' },
          type: 'step_opened',
          step: stepId,
          detail: { attempt, dueAt: due.dueAt.toISOString() },
        });
      } else if (was !== status && status !== 'blocked') {
        // Skipped at fan-out, or cancelled while blocked: a change worth telling, with no task behind it.
        entries.push({ actor: { role: 'system', id: 'engine' }, type: `step_${status}`, step: stepId });
      }
      continue;
    }

    const next = { ...existing, ...projected(existing, stepId, status, input) };
    if (existing.status === 'open' && status !== 'open') {
      const byThisEvent = attribution?.step === stepId;
      next.decidedAt = now;
      next.decidedBy = byThisEvent ? attribution.decidedBy : null;
      next.decidedByOfficer = byThisEvent ? attribution.officer : null;
      // The event's own history entry tells of the step it decided; the others closed by consequence.
      if (!byThisEvent)
        entries.push({ actor: { role: 'system', id: 'engine' }, type: `step_${status}`, step: stepId });
    }
    rows.set(key, next);
  }
  return { rows, entries };
}

/** The columns of a row that follow the snapshot directly. */
function projected(
  row: TaskRow,
  stepId: string,
  status: StepStatus,
  input: { result: ChartState; attribution: Attribution | null; ctx: PlanContext },
): Partial<TaskRow> {
  const { context } = input.result;
  const { attribution, ctx } = input;
  const step = ctx.workflow.step(stepId);
  const officers = context.signoffs[stepId] ?? [];
  return {
    status,
    overdue: context.overdue[stepId] === true,
    reminded: context.reminded[stepId] === true,
    rulePending: status === 'open' && step.autoApprove !== undefined && context.ruleChecked[stepId] !== true,
    claimedBy: context.claims?.[stepId] ?? null,
    signoffRequired: context.required?.[stepId] ?? null,
    signoffs: officers.map(
      (officer) => row.signoffs.find((s) => s.officer === officer) ?? { officer, at: ctx.now.toISOString() },
    ),
    // A countersign's final approval without a comment keeps the comment an earlier signer left.
    comment: attribution?.step === stepId && attribution.comment ? attribution.comment : row.comment,
  };
}
