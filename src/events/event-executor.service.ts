import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CalendarService } from '../calendar/calendar.service.js';
import { DomainException } from '../common/domain.exception.js';
import { BoundedMap, KeyedQueue } from '../common/keyed-queue.util.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import type { AfterCommit } from '../common/unit-of-work.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { ApplicationState, Plan, PlanContext, PlanEvent } from '../engine/plan.types.js';
import { plan } from '../engine/plan.util.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PiiCryptoError } from '../pii/pii-crypto.util.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';
import { PiiService } from '../pii/pii.service.js';
import { QueueService } from '../queue/queue.service.js';
import { enqueue, timerHorizon } from './event-jobs.util.js';
import { asStored, LOCK_AND_READ, READ_FOR_EVENT, rowsToState, writeStatement } from './event-sql.util.js';
import type { Appendix, StoredData } from './event-sql.util.js';

/**
 * Tasks whose application the executor remembers, oldest first forgotten: the few thousand applications a process
 * wrote for last, whose events are the ones likely to meet; about 10 MB at most.
 */
const TASKS_REMEMBERED = 20_000;

/** Applications whose last written state the executor remembers, least recently written first forgotten. */
const STATES_REMEMBERED = 2_000;
/**
 * The most characters a remembered state's strings and keys may hold: a few thousand is usual, so 2,000 states stay
 * within tens of megabytes even if many are this long; a longer one (large form data) is read again instead.
 */
const STATE_REMEMBERED_MAX_LENGTH = 32 * 1024;

/** A state as stored (personal values sealed), with the wrapped key that opens its data. */
interface StoredState {
  state: ApplicationState;
  piiKey: WrappedKey | null;
}

/** Where to find the application an event is for: by its id, or by the id of one of its tasks. */
export type EventTarget = { applicationId: string } | { taskId: string };

/**
 * Where the event is written: the caller's transaction, or the data source's own manager when the event's write is
 * the work's only one (it commits by itself); and where to put what must wait for the commit.
 */
export interface Transaction {
  manager: EntityManager;
  afterCommit: AfterCommit;
}

export interface SubmitRequest {
  workflow: CompiledWorkflow;
  applicant: string;
  data: Record<string, unknown>;
}

/**
 * An event for the executor. `event` and `appendix` are called on every turn (see EventExecutor.apply): what they
 * leave behind must be that of the turn the result says was written.
 */
export interface EventRequest {
  target: EventTarget;
  /**
   * Builds the event from the state read (or throws a domain error: a task another department may not see, a
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
 * Runs the pure planner against the database: one statement reads the application with its tasks, one statement
 * writes everything the plan says if the application's revision is still the one read, and only once that has
 * committed are the plan's jobs enqueued. Two statements per event, with no BEGIN or COMMIT of their own when the
 * write is the caller's only one. A write that finds the revision moved on (another event on the same application
 * committed in between) writes nothing, and the event is read and planned again: no lock is held while the planner
 * runs, and no event is applied to a state it was not planned from. The executor owns the rows it writes:
 * applications, tasks and history.
 */
@Injectable()
export class EventExecutor {
  /** Events of this process waiting for an earlier one on the same application (see apply). */
  private readonly queue = new KeyedQueue();
  /** Which application a task belongs to, as this process has seen it: a task never changes application. */
  private readonly applicationOfTask = new BoundedMap<string, string>(TASKS_REMEMBERED);
  /**
   * What this process last wrote for an application, by id, and only what it wrote outside a transaction (and so had
   * committed when the write returned): its next event there is planned from it without a read (see fromLastWrite).
   */
  private readonly lastWritten = new BoundedMap<string, StoredState>(STATES_REMEMBERED);
  /**
   * Applications whose remembered state another writer has replaced once: their events reach other processes too
   * (round robin over several, a worker's timers), where a remembered state would mostly cost a plan thrown away,
   * so none is remembered for them again.
   */
  private readonly writtenElsewhere = new BoundedMap<string, true>(STATES_REMEMBERED);

  constructor(
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly definitions: DefinitionsService,
    private readonly calendars: CalendarService,
    private readonly queues: QueueService,
    private readonly metrics: MetricsService,
    private readonly pii: PiiService,
    private readonly unitOfWork: UnitOfWork,
  ) {
    metrics.gaugeEventsWaiting(() => this.queue.waiting);
  }

  /**
   * An event that is its caller's whole work (a timer, a rule's result, a withdrawal): in a unit of work of its own,
   * outside a transaction, since its write is the only one; its jobs are enqueued once it has committed.
   */
  applyAlone(request: EventRequest): Promise<Executed> {
    return this.unitOfWork.run((manager, afterCommit) => this.apply({ manager, afterCommit }, request), {
      singleStatement: true,
    });
  }

  /**
   * A new application: planned from nothing and written in one statement. Null, with nothing written, when a
   * version of the workflow later than `workflow` exists: the caller loads the latest and submits again.
   */
  async submit(tx: Transaction, { workflow, applicant, data }: SubmitRequest): Promise<Executed | null> {
    const event: PlanEvent = { type: 'submit', applicationId: randomUUID(), applicant, data };
    const result = plan(null, event, this.context(workflow));
    const written = await this.write(tx, { result, workflow, dataKey: null });
    return written ? { plan: result, workflow } : null;
  }

  /**
   * Any later event. One that no longer applies writes nothing (or is refused, with `conflict`). Within this
   * process it first waits for events on the same application sent before it, and is then planned from the state
   * this process wrote last for the application when it has one (fromLastWrite). While other events on the
   * application (another process's, or one in a transaction) are written between its read and its write, it is
   * read and planned again; once it has met `EVENT_LOCK_AFTER_CONFLICTS` such conflicts, its next turn takes the
   * application's row lock, which nothing can come between, so a storm of events on one application ends in turn
   * as a queue on the lock would. A caller outside a transaction must hold no lock on the application while it
   * calls this: the event may wait in the process for another that needs that lock, where PostgreSQL cannot see
   * the wait.
   */
  async apply(tx: Transaction, request: EventRequest): Promise<Executed> {
    const { target } = request;
    const applicationId =
      'applicationId' in target ? target.applicationId : this.applicationOfTask.get(target.taskId);
    // Waiting here costs nothing; meeting at the write costs every event but one a read, a plan and a write more.
    // Only events outside a transaction wait: they hold no connection meanwhile, so the event whose turn it is can
    // always get one. A task this process has not seen yet goes straight on, and meets others at the write.
    if (applicationId === undefined || tx.manager.queryRunner?.isTransactionActive)
      return this.applyTurns(tx, request);
    return this.queue.run(applicationId, async () => {
      const remembered = await this.fromLastWrite(tx, request, applicationId);
      return remembered.executed ?? this.applyTurns(tx, request, remembered.conflicts);
    });
  }

  /**
   * The event planned from the state this process last wrote for the application, with no read: its write's
   * revision check tells whether that is still the stored state, as it does for a read's. No event executed, with
   * nothing written, when there is no such state, when another write has replaced it (one conflict, toward the
   * locked turn), or when the event did not apply to it (or its builder refused it): a refusal must come from the
   * stored state, so the event is then read and planned as any other. It runs in the application's turn in the
   * queue, so no other event of this process uses the state meanwhile; with EVENT_LOCK_AFTER_CONFLICTS=0 (every
   * event locked) it is never used.
   */
  private async fromLastWrite(
    tx: Transaction,
    request: EventRequest,
    applicationId: string,
  ): Promise<{ executed: Executed | null; conflicts: number }> {
    const none = { executed: null, conflicts: 0 };
    const last = this.lastWritten.get(applicationId);
    if (last === undefined || this.config.eventLockAfterConflicts === 0) return none;
    // Taken, not shared: a turn that fails leaves nothing behind, and a written one remembers its own state.
    this.lastWritten.delete(applicationId);
    const target = request.target;
    if ('taskId' in target && !last.state.tasks.some((t) => t.id === target.taskId)) return none;
    try {
      const turn = await this.planAndWrite(tx, request, last);
      if (turn.kind === 'written') return { executed: turn.executed, conflicts: 0 };
      if (turn.kind === 'replaced') {
        // A conflict like a read's, counted toward the locked turn.
        this.metrics.observeEventRetry();
        this.writtenElsewhere.set(applicationId, true);
        return { executed: null, conflicts: 1 };
      }
    } catch (error) {
      // A refusal, or a data key the remembered state holds no more, is taken again from the stored state;
      // anything else (the database) is what it is.
      if (!(error instanceof DomainException) && !(error instanceof PiiCryptoError)) throw error;
    }
    return none;
  }

  /** Unlocked turns while they meet no more than EVENT_LOCK_AFTER_CONFLICTS conflicts in all, then a locked one. */
  private async applyTurns(tx: Transaction, request: EventRequest, conflicts = 0): Promise<Executed> {
    for (let turn = conflicts; turn < this.config.eventLockAfterConflicts; turn++) {
      const executed = await this.applyOnce(tx, request, READ_FOR_EVENT);
      if (executed) return executed;
      this.metrics.observeEventRetry();
    }
    return this.applyLocked(tx, request);
  }

  /**
   * A turn under the application's row lock, held from the read to the commit: in the caller's transaction, or in a
   * unit of work of its own, which runs the turn's effects once it has committed.
   */
  private async applyLocked(tx: Transaction, request: EventRequest): Promise<Executed> {
    const locked = async (at: Transaction) => {
      const executed = await this.applyOnce(at, request, LOCK_AND_READ);
      if (!executed)
        throw new Error('an event written under its application lock found the application changed');
      return executed;
    };
    if (tx.manager.queryRunner?.isTransactionActive) return locked(tx);
    return this.unitOfWork.run((manager, afterCommit) => locked({ manager, afterCommit }));
  }

  /** One turn: read, plan, write. Null when the write found the application changed since the read. */
  private async applyOnce(
    tx: Transaction,
    request: EventRequest,
    read: NamedStatement,
  ): Promise<Executed | null> {
    const { target, conflict } = request;
    const byTask = 'taskId' in target;
    // No row when nothing matches the unlocked read; a row holding null when nothing matches the locked one.
    const [first] = await runPrepared<{
      state: { application: Record<string, unknown>; tasks: unknown } | null;
    }>(tx.manager, read, [byTask ? null : target.applicationId, byTask ? target.taskId : null]);
    const found = first?.state;
    if (!found) throw DomainException.notFound(byTask ? 'Task' : 'Application');
    const stored = {
      state: rowsToState({ ...found.application, tasks: found.tasks }),
      piiKey: found.application.pii_key as WrappedKey | null,
    };
    const turn = await this.planAndWrite(tx, request, stored);
    if (turn.kind === 'replaced') return null;
    if (turn.kind === 'unapplied' && conflict) throw DomainException.conflict(conflict);
    return turn.executed;
  }

  /** Plans the event against a stored state and writes the plan if that is still the stored state. */
  private async planAndWrite(
    tx: Transaction,
    { event, appendix }: EventRequest,
    { state: stored, piiKey }: StoredState,
  ): Promise<{ kind: 'written' | 'unapplied'; executed: Executed } | { kind: 'replaced' }> {
    const { id, workflowKey, workflowVersion } = stored.application;
    const workflow = await this.definitions.load(workflowKey, workflowVersion, tx.manager);
    // The planner, rules and the event's builder read personal values in the clear; only the write seals them.
    const { data, dataKey } = this.pii.open(workflow, { id, data: stored.application.data, piiKey });
    const state = { ...stored, application: { ...stored.application, data } };
    const result = plan(state, event(state, workflow), this.context(workflow));
    const executed = { plan: result, workflow };
    if (!result.applied) return { kind: 'unapplied', executed };
    const written = await this.write(tx, {
      result,
      workflow,
      dataKey,
      kept: { data: stored.application.data, piiKey },
      appendix: appendix?.(executed) ?? undefined,
    });
    return written ? { kind: 'written', executed } : { kind: 'replaced' };
  }

  /**
   * Whether the plan was written. `dataKey`: the application's own, when it has one; the data is sealed only when it
   * is written at all. `kept`: the data as stored before the event, with its key (none for a new application).
   */
  private async write(
    { manager, afterCommit }: Transaction,
    {
      result,
      workflow,
      dataKey,
      kept,
      appendix,
    }: {
      result: Plan;
      workflow: CompiledWorkflow;
      dataKey: Buffer | null;
      kept?: StoredData;
      appendix?: Appendix;
    },
  ): Promise<boolean> {
    const { application } = result.state;
    const sealed =
      result.insertApplication || result.dataChanged
        ? this.pii.seal(workflow, { id: application.id, data: application.data, dataKey })
        : undefined;
    const { statement, parameters } = writeStatement(result, sealed, appendix);
    // Typed as rows, not cast to a one-row tuple, so the compiler keeps asking what an empty answer means.
    const [outcome] = await runPrepared<{ written: number }>(manager, statement, parameters);
    if (!outcome?.written) return false;
    // Learned from this process's own writes: the applications it submits or acts on are those whose next events
    // are likely to reach it.
    this.learnTasks(result.state.tasks, application.id);
    this.rememberWritten(manager, result.state, sealed ?? kept);
    if (appendix?.onCommit) afterCommit(() => Promise.resolve(appendix.onCommit?.()));
    if (result.jobs.length > 0) afterCommit(() => enqueue(this.queues, result.jobs));
    this.metrics.observePlan(result);
    return true;
  }

  /**
   * Remembers the state a write left, with its data as stored, only once committed, which a write outside a
   * transaction is when it returns: a state from a transaction that then rolled back could share its revision with
   * another that is stored later.
   */
  private rememberWritten(
    manager: EntityManager,
    state: ApplicationState,
    stored: StoredData | undefined,
  ): void {
    const { id } = state.application;
    const remembered =
      manager.queryRunner?.isTransactionActive || stored === undefined || this.writtenElsewhere.get(id)
        ? null
        : asStored(state, stored, STATE_REMEMBERED_MAX_LENGTH);
    if (remembered === null || stored === undefined) this.lastWritten.delete(id);
    else this.lastWritten.set(id, { state: remembered, piiKey: stored.piiKey as WrappedKey | null });
  }

  private learnTasks(tasks: readonly { id: string }[], applicationId: string): void {
    for (const { id } of tasks)
      if (this.applicationOfTask.get(id) === undefined) this.applicationOfTask.set(id, applicationId);
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
