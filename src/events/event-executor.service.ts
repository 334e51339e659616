import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CalendarService } from '../calendar/calendar.service.js';
import { DomainException } from '../common/domain.exception.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import type { AfterCommit } from '../common/unit-of-work.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { ApplicationState, Plan, PlanContext, PlanEvent } from '../engine/plan.types.js';
import { plan } from '../engine/plan.util.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';
import { PiiService } from '../pii/pii.service.js';
import { QueueService } from '../queue/queue.service.js';
import { enqueue, timerHorizon } from './event-jobs.util.js';
import { LOCK_AND_READ, rowsToState, writeStatement } from './event-sql.util.js';
import type { Appendix } from './event-sql.util.js';

/** Where to find the application an event is for: by its id, or by the id of one of its tasks. */
export type EventTarget = { applicationId: string } | { taskId: string };

/** The caller's transaction: its manager, and where to put what must wait for the commit. */
export interface Transaction {
  manager: EntityManager;
  afterCommit: AfterCommit;
}

export interface SubmitRequest {
  workflow: CompiledWorkflow;
  applicant: string;
  data: Record<string, unknown>;
}

export interface EventRequest {
  target: EventTarget;
  /**
   * Builds the event from the locked state (or throws a domain error: a task another department may not see, a
   * decision that breaks the step's rules).
   */
  event: (state: ApplicationState, workflow: CompiledWorkflow) => PlanEvent;
  /** Refuse with this 409 when the event no longer applies, because a person sent it; timers are not told. */
  conflict?: string;
  /** Rows to append in the event's own write once it applies (see Appendix); none when it returns null. */
  appendix?: (executed: Executed) => Appendix | null;
}

export interface Executed {
  plan: Plan;
  workflow: CompiledWorkflow;
}

/**
 * Runs the pure planner against the database: one call locks the application row and then reads it with its tasks,
 * one statement writes everything the plan says, the caller's transaction commits, and only then are the plan's
 * jobs enqueued. With BEGIN and COMMIT that is four statements per event (DESIGN.md, "One path for every
 * event"). The executor owns the rows it writes: applications, tasks and history.
 */
@Injectable()
export class EventExecutor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly definitions: DefinitionsService,
    private readonly calendars: CalendarService,
    private readonly queues: QueueService,
    private readonly metrics: MetricsService,
    private readonly pii: PiiService,
  ) {}

  /**
   * A new application: planned from nothing and written in one statement. Null, with nothing written, when a
   * version of the workflow later than `workflow` exists: the caller loads the latest and submits again.
   */
  async submit(tx: Transaction, { workflow, applicant, data }: SubmitRequest): Promise<Executed | null> {
    const event: PlanEvent = { type: 'submit', applicationId: randomUUID(), applicant, data };
    const result = plan(null, event, this.context(workflow));
    const [written] = await this.write(tx, { result, workflow, dataKey: null });
    return written?.inserted === 0 ? null : { plan: result, workflow };
  }

  /** Any later event. One that no longer applies writes nothing (or is refused, with `conflict`). */
  async apply(tx: Transaction, { target, event, conflict, appendix }: EventRequest): Promise<Executed> {
    const { manager } = tx;
    const byTask = 'taskId' in target;
    const [{ locked }] = (await runPrepared(manager, LOCK_AND_READ, [
      byTask ? null : target.applicationId,
      byTask ? target.taskId : null,
    ])) as [{ locked: { application: Record<string, unknown>; tasks: unknown } | null }];
    if (!locked) throw DomainException.notFound(byTask ? 'Task' : 'Application');
    const row = locked.application;
    const stored = rowsToState({ ...row, tasks: locked.tasks });
    const { id, workflowKey, workflowVersion } = stored.application;
    const workflow = await this.definitions.load(workflowKey, workflowVersion, manager);
    // The planner, rules and the event's builder read personal values in the clear; only the write seals them.
    const { data, dataKey } = this.pii.open(workflow, {
      id,
      data: stored.application.data,
      piiKey: row.pii_key as WrappedKey | null,
    });
    const state = { ...stored, application: { ...stored.application, data } };
    const result = plan(state, event(state, workflow), this.context(workflow));
    if (!result.applied) {
      if (conflict) throw DomainException.conflict(conflict);
      return { plan: result, workflow };
    }
    const executed = { plan: result, workflow };
    await this.write(tx, { result, workflow, dataKey, appendix: appendix?.(executed) ?? undefined });
    return executed;
  }

  /** `dataKey`: the application's own, when it has one; the data is sealed only when it is written at all. */
  private async write(
    { manager, afterCommit }: Transaction,
    {
      result,
      workflow,
      dataKey,
      appendix,
    }: { result: Plan; workflow: CompiledWorkflow; dataKey: Buffer | null; appendix?: Appendix },
  ): Promise<{ inserted?: number }[]> {
    const { application } = result.state;
    const stored =
      result.insertApplication || result.dataChanged
        ? this.pii.seal(workflow, { id: application.id, data: application.data, dataKey })
        : undefined;
    const { statement, parameters } = writeStatement(result, stored, appendix);
    const rows = await runPrepared<{ inserted?: number }>(manager, statement, parameters);
    if (rows[0]?.inserted === 0) return rows;
    this.metrics.observePlan(result);
    if (result.jobs.length > 0) afterCommit(() => enqueue(this.queues, result.jobs));
    return rows;
  }

  private context(workflow: CompiledWorkflow): PlanContext {
    const now = new Date();
    const calendar = workflow.definition.calendar;
    return {
      workflow,
      now,
      timerHorizon: timerHorizon(now, this.config.sweepIntervalMs),
      due: (step, from, projection) =>
        this.calendars.due(
          calendar,
          from,
          step.timeLimit,
          projection ? undefined : `${workflow.key}/${step.id}`,
        ),
      remindAt: (_step, before, dueAt) => this.calendars.remindAt(calendar, dueAt, before),
      newId: randomUUID,
    };
  }
}
