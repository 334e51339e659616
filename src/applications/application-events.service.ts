import { Injectable } from '@nestjs/common';
import { randomUUID, createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { Actor, HistoryEntry } from '../audit/history.service.js';
import { HistoryService } from '../audit/history.service.js';
import { CalendarService } from '../calendar/calendar.service.js';
import { canonicalJson } from '../common/canonical-json.util.js';
import { DomainException } from '../common/domain.exception.js';
import type { AfterCommit } from '../common/unit-of-work.service.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import type { StepDefinition } from '../definitions/definition.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { expectedCompletion } from '../engine/expected-completion.util.js';
import { applyEvent, startApplication } from '../engine/workflow-machine.util.js';
import type { DecidedBy, EngineEvent, EngineResult } from '../engine/workflow-machine.util.js';
import { holds } from '../rules/json-logic.util.js';
import { TaskEntity } from '../tasks/task.entity.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueService } from '../timers/queue.service.js';
import { ApplicationEntity } from './application.entity.js';

const FINAL = ['approved', 'rejected', 'withdrawn'];
const SYSTEM: Actor = { role: 'system', id: 'engine' };

/** What the caller knows about the event beyond the engine's view of it. */
export interface EventRecord {
  actor: Actor;
  /** History type of the event itself, e.g. `decided`, `deemed_approved`. */
  type: string;
  detail?: Record<string, unknown>;
  /** Values a decision produces, merged into the application's `produced`. */
  produces?: Record<string, unknown>;
  comment?: string | null;
  /** Refuse (409) instead of ignoring an event that no longer applies: people are told, timers are not. */
  conflictIfIgnored?: string;
}

export interface EventOutcome {
  application: ApplicationEntity;
  result: EngineResult;
}

/**
 * The single path every event takes (DESIGN.md): lock the application row, restore, transition, derive the
 * effects, write everything in the caller's transaction, and enqueue only after the commit.
 */
@Injectable()
export class ApplicationEventsService {
  constructor(
    private readonly definitions: DefinitionsService,
    private readonly history: HistoryService,
    private readonly queues: QueueService,
    private readonly calendars: CalendarService,
    private readonly metrics: MetricsService,
  ) {}

  async submit(
    manager: EntityManager,
    afterCommit: AfterCommit,
    workflow: CompiledWorkflow,
    applicant: Actor,
    data: Record<string, unknown>,
  ): Promise<EventOutcome> {
    const now = new Date();
    // `when` is decided once, at fan-out, so the set of departments cannot drift with later data.
    const skipped = workflow.definition.steps.filter((s) => !holds(s.when, data)).map((s) => s.id);
    const result = startApplication(workflow.machine, { skipped });
    const application = manager.create(ApplicationEntity, {
      id: randomUUID(),
      workflowKey: workflow.key,
      workflowVersion: workflow.version,
      applicantId: applicant.id,
      status: result.status,
      data,
      produced: {},
      snapshot: result.snapshot,
      revision: 1,
      submittedAt: now,
      decidedAt: null,
      expectedBy: null,
    });
    await manager.insert(ApplicationEntity, application as QueryDeepPartialEntity<ApplicationEntity>);
    const record: EventRecord = {
      actor: applicant,
      type: 'submitted',
      detail: {
        workflow: { key: workflow.key, version: workflow.version },
        skipped,
        // The chain covers the submitted data without copying it into every history row.
        dataHash: createHash('sha256').update(canonicalJson(data)).digest('hex'),
      },
    };
    await this.write(
      manager,
      afterCommit,
      workflow,
      application,
      { type: 'SUBMIT' },
      result,
      record,
      now,
      true,
    );
    return { application, result };
  }

  async apply(
    manager: EntityManager,
    afterCommit: AfterCommit,
    applicationId: string,
    event: EngineEvent,
    record: EventRecord,
  ): Promise<EventOutcome | null> {
    const application = await manager.findOne(ApplicationEntity, {
      where: { id: applicationId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!application) throw DomainException.notFound('Application');
    const workflow = await this.definitions.load(
      application.workflowKey,
      application.workflowVersion,
      manager,
    );
    const result = applyEvent(workflow.machine, application.snapshot, event);
    if (!result.applied) {
      if (record.conflictIfIgnored) throw DomainException.conflict(record.conflictIfIgnored);
      return null;
    }
    const now = new Date();
    await this.write(manager, afterCommit, workflow, application, event, result, record, now, false);
    return { application, result };
  }

  private async write(
    manager: EntityManager,
    afterCommit: AfterCommit,
    workflow: CompiledWorkflow,
    application: ApplicationEntity,
    event: EngineEvent | { type: 'SUBMIT' },
    result: EngineResult,
    record: EventRecord,
    now: Date,
    isNew: boolean,
  ): Promise<void> {
    const eventStep = 'step' in event ? event.step : null;
    const entries: HistoryEntry[] = [
      { actor: record.actor, type: record.type, step: eventStep, detail: record.detail },
    ];
    const opened: TaskEntity[] = [];

    for (const change of result.changes) {
      const step = workflow.step(change.step);
      if (change.to === 'open') {
        const due = this.calendars.due(
          workflow.definition.calendar,
          now,
          step.timeLimit,
          `${workflow.key}/${step.id}`,
        );
        const task = manager.create(TaskEntity, {
          id: randomUUID(),
          applicationId: application.id,
          workflowKey: workflow.key,
          step: step.id,
          attempt: result.context.attempts[step.id] ?? 1,
          department: step.department,
          status: 'open',
          openedAt: now,
          dueAt: due.dueAt,
          dueBeyondCalendar: due.beyondData,
          remindAt: this.reminderTime(workflow.definition.calendar, step, due.dueAt, now),
          signoffs: [],
          rulePending: step.autoApprove !== undefined,
        });
        opened.push(task);
        entries.push({
          actor: SYSTEM,
          type: 'step_opened',
          step: step.id,
          detail: { attempt: task.attempt, dueAt: task.dueAt.toISOString() },
        });
      } else if (change.from === 'open') {
        const byThisEvent = change.step === eventStep;
        await manager.update(
          TaskEntity,
          { applicationId: application.id, step: step.id, status: 'open' },
          {
            status: change.to,
            decidedAt: now,
            decidedBy: byThisEvent ? decidedBy(event) : null,
            decidedByOfficer: byThisEvent && event.type === 'DECIDE' ? event.officer : null,
            rulePending: false,
            // A countersign's final approval without a comment keeps the comment an earlier signer left.
            ...(byThisEvent && record.comment ? { comment: record.comment } : {}),
          },
        );
        if (!byThisEvent) entries.push({ actor: SYSTEM, type: `step_${change.to}`, step: step.id });
      } else if (change.to !== 'blocked') {
        entries.push({ actor: SYSTEM, type: `step_${change.to}`, step: step.id });
      }
    }
    if (opened.length > 0) await manager.insert(TaskEntity, opened);
    await this.recordSideEffects(manager, application.id, event, result, record, now);

    const status = result.status;
    if (status !== application.status && !isNew) {
      entries.push({ actor: SYSTEM, type: `application_${status}` });
    } else if (isNew && status === 'approved') {
      entries.push({ actor: SYSTEM, type: 'application_approved' });
    }

    // Values are added when the step is approved: a first countersignature publishes nothing yet.
    const approvedNow =
      'step' in event && result.changes.some((c) => c.step === event.step && c.to === 'approved');
    if (
      event.type === 'DECIDE' &&
      approvedNow &&
      record.produces &&
      Object.keys(record.produces).length > 0
    ) {
      application.produced = { ...application.produced, ...record.produces };
    }
    application.snapshot = result.snapshot;
    application.status = status;
    application.decidedAt = FINAL.includes(status) ? (application.decidedAt ?? now) : null;
    application.expectedBy = FINAL.includes(status)
      ? null
      : await this.expectedBy(manager, workflow, application.id, result, now);
    if (!isNew) application.revision += 1;
    await manager.update(ApplicationEntity, { id: application.id }, {
      snapshot: application.snapshot,
      status: application.status,
      produced: application.produced,
      decidedAt: application.decidedAt,
      expectedBy: application.expectedBy,
      revision: application.revision,
    } as QueryDeepPartialEntity<ApplicationEntity>);
    await this.history.append(manager, application.id, now, entries);

    for (const task of opened) {
      afterCommit(() => this.queues.scheduleTask(task));
    }
    this.metrics.observeEventPath(record.type, now);
  }

  /** A reminder only makes sense while the step is open: one that would fall before it opens is dropped. */
  private reminderTime(
    calendar: string | undefined,
    step: StepDefinition,
    dueAt: Date,
    now: Date,
  ): Date | null {
    if (!step.remindBefore) return null;
    const at = this.calendars.remindAt(calendar, dueAt, step.remindBefore);
    return at > now ? at : null;
  }

  /** Changes an event makes to a step that stays open: a countersignature, an escalation. */
  private async recordSideEffects(
    manager: EntityManager,
    applicationId: string,
    event: EngineEvent | { type: 'SUBMIT' },
    result: EngineResult,
    record: EventRecord,
    now: Date,
  ): Promise<void> {
    if (!('step' in event)) return;
    const where = { applicationId, step: event.step, attempt: event.attempt };
    if (event.type === 'DECIDE' && event.outcome === 'approve') {
      await manager
        .createQueryBuilder()
        .update(TaskEntity)
        .set({ signoffs: () => `signoffs || :signoff::jsonb` })
        .setParameter('signoff', JSON.stringify([{ officer: event.officer, at: now.toISOString() }]))
        .where('application_id = :applicationId AND step = :step AND attempt = :attempt', where)
        .execute();
      if (result.steps[event.step] === 'open' && record.comment)
        await manager.update(TaskEntity, where, { comment: record.comment });
    }
    if (
      event.type === 'TIMEOUT' &&
      result.steps[event.step] === 'open' &&
      result.context.overdue[event.step]
    ) {
      await manager.update(TaskEntity, where, { overdue: true });
    }
    if (event.type === 'REMIND') await manager.update(TaskEntity, where, { reminded: true });
    if (event.type === 'RULE' && result.steps[event.step] === 'open') {
      await manager.update(TaskEntity, where, { rulePending: false });
    }
  }

  private async expectedBy(
    manager: EntityManager,
    workflow: CompiledWorkflow,
    applicationId: string,
    result: EngineResult,
    now: Date,
  ): Promise<Date | null> {
    const open = await manager.find(TaskEntity, { where: { applicationId, status: 'open' } });
    return expectedCompletion({
      order: workflow.order,
      dependencies: workflow.dependencies,
      status: result.steps,
      dueAt: Object.fromEntries(open.map((t) => [t.step, t.dueAt])),
      due: (step, from) =>
        this.calendars.due(workflow.definition.calendar, from, workflow.step(step).timeLimit).dueAt,
      now,
    });
  }
}

function decidedBy(event: EngineEvent | { type: 'SUBMIT' }): DecidedBy | null {
  switch (event.type) {
    case 'DECIDE':
      return 'officer';
    case 'RULE':
      return 'rule';
    case 'TIMEOUT':
      return 'timeout';
    default:
      return null;
  }
}
