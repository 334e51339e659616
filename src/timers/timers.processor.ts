import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { ApplicationEventsService } from '../applications/application-events.service.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import type { Actor } from '../audit/history.service.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TaskEntity } from '../tasks/task.entity.js';
import { QueueService } from './queue.service.js';
import type { TaskJobData } from './queue.service.js';

const TIMER: Actor = { role: 'system', id: 'timer' };
/** How many past-due tasks one sweep acts on; the next sweep takes the rest. */
const SWEEP_BATCH = 500;
/** A rule job normally runs within milliseconds of the step opening; after this long the sweep runs it itself. */
const STALE_RULE_MS = 60_000;
const EARLY_TOLERANCE_MS = 1000;

const TIMEOUT_HISTORY = {
  approve: 'deemed_approved',
  reject: 'rejected_on_timeout',
  escalate: 'escalated',
} as const;

/**
 * Committed time limits: the deadline and reminder workers, and the sweep that makes PostgreSQL the truth
 * for them and for rule jobs. The
 * queue only wakes things up: a sweep at start-up and every SWEEP_INTERVAL_MS acts on open tasks past due and
 * re-enqueues those due soon, so a flushed queue loses no deadline. Every timeout takes the one event path, whose
 * row lock and statechart make it apply exactly once however many processes race for it.
 */
@Injectable()
export class TimersProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimersProcessor.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly queues: QueueService,
    private readonly unitOfWork: UnitOfWork,
    private readonly events: ApplicationEventsService,
    private readonly definitions: DefinitionsService,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.processRole === 'api') return;
    this.queues.work('deadlines', (job) => this.onDeadline(job.data as unknown as TaskJobData));
    this.queues.work('reminders', (job) => this.onReminder(job.data as unknown as TaskJobData));
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** The step's `onTimeout`: deemed approval, refusal, or escalation (open and overdue). */
  async onDeadline(data: TaskJobData): Promise<void> {
    const task = await this.dataSource.manager.findOneBy(TaskEntity, { id: data.taskId });
    if (!task || task.status !== 'open' || task.attempt !== data.attempt || task.overdue) return;
    // The database decides when a step is due, not the queue: a job early by more than clock skew waits for
    // the sweep.
    if (task.dueAt.getTime() - Date.now() > EARLY_TOLERANCE_MS) return;
    const application = await this.dataSource.manager.findOneByOrFail(ApplicationEntity, {
      id: task.applicationId,
    });
    const workflow = await this.definitions.load(application.workflowKey, application.workflowVersion);
    const action = workflow.step(task.step).onTimeout ?? 'escalate';
    const acted = await this.unitOfWork.run((manager, afterCommit) =>
      this.events.apply(
        manager,
        afterCommit,
        task.applicationId,
        { type: 'TIMEOUT', step: task.step, attempt: task.attempt },
        {
          actor: TIMER,
          type: TIMEOUT_HISTORY[action],
          detail: { attempt: task.attempt, dueAt: task.dueAt.toISOString() },
        },
      ),
    );
    if (acted !== null) this.metrics.observeDeadlineLateness(task.dueAt);
  }

  async onReminder(data: TaskJobData): Promise<void> {
    await this.unitOfWork.run((manager, afterCommit) =>
      this.events.apply(
        manager,
        afterCommit,
        data.applicationId,
        { type: 'REMIND', step: data.step, attempt: data.attempt },
        { actor: TIMER, type: 'reminded', detail: { attempt: data.attempt } },
      ),
    );
  }

  /** One pass; overlapping ticks share the pass under way instead of starting another. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => this.logger.error(`sweep failed: ${(error as Error).message}`))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** One task's failure (a calendar since removed, a bad row) must not stall the sweep for every other task. */
  private async each(tasks: TaskEntity[], act: (task: TaskEntity) => Promise<void>): Promise<void> {
    for (const task of tasks) {
      await act(task).catch((error: unknown) =>
        this.logger.error(`sweep: task ${task.id} (${task.step}): ${(error as Error).message}`),
      );
    }
  }

  private async sweepOnce(): Promise<void> {
    const now = new Date();
    const tasks = this.dataSource.manager.getRepository(TaskEntity);
    const pastDue = await tasks.find({
      where: { status: 'open', overdue: false, dueAt: LessThanOrEqual(now) },
      order: { dueAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    const remindable = await tasks.find({
      where: { status: 'open', reminded: false, remindAt: LessThanOrEqual(now) },
      order: { remindAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    await this.each(pastDue, (task) => this.onDeadline(jobData(task)));
    await this.each(remindable, (task) => this.onReminder(jobData(task)));
    // A rule job that should long have run (lost, or failed for good) is queued again under a new id: a failed
    // job keeps its id, so the deterministic one would not run again. The statechart ignores a second result.
    const staleRules = await tasks.find({
      where: {
        status: 'open',
        rulePending: true,
        openedAt: LessThanOrEqual(new Date(now.getTime() - STALE_RULE_MS)),
      },
      take: SWEEP_BATCH,
    });
    const retry = Math.floor(now.getTime() / STALE_RULE_MS);
    await this.each(staleRules, (task) =>
      this.queues.add('rules', `rule-${task.id}-${task.attempt}-retry-${retry}`, { ...jobData(task) }),
    );

    // Whatever falls due before the next sweeps gets its job again; ids are deterministic, so a job that is
    // still pending is left as it is, and one lost with the queue store comes back.
    const horizon = new Date(now.getTime() + 2 * this.config.sweepIntervalMs + 60_000);
    const soon = await tasks
      .createQueryBuilder('t')
      .where("t.status = 'open'")
      .andWhere(
        '((NOT t.overdue AND t.due_at <= :horizon) OR (NOT t.reminded AND t.remind_at <= :horizon) OR t.rule_pending)',
        { horizon },
      )
      .getMany();
    await Promise.all(soon.map((task) => this.queues.scheduleTask(task)));
    if (pastDue.length + remindable.length + staleRules.length > 0) {
      this.logger.log(
        `sweep acted on ${pastDue.length} past-due, ${remindable.length} reminder and ${staleRules.length} rule task(s)`,
      );
    }
  }
}

function jobData(task: TaskEntity): TaskJobData {
  return { taskId: task.id, applicationId: task.applicationId, step: task.step, attempt: task.attempt };
}
