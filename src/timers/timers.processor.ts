import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { TaskEntity } from '../applications/task.entity.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { TaskJobData } from '../events/event-jobs.util.js';
import type { PlanEvent, PlannedJob } from '../engine/plan.types.js';
import { correctionRound, EARLY_TOLERANCE_MS, jobsForApplication, jobsForTask } from '../engine/plan.util.js';
import { EventExecutor } from '../events/event-executor.service.js';
import { enqueue, timerHorizon } from '../events/event-jobs.util.js';
import { QueueService } from '../queue/queue.service.js';

/**
 * A timer job handed over a little before its instant (a queue or producer whose clock runs ahead of this worker's)
 * waits for it here, outside any transaction: the planner, reading this worker's clock, would otherwise apply it
 * early by up to EARLY_TOLERANCE_MS, and a department's committed time would end before it was due. One early by
 * more than that is left as it is (the planner calls it stale, the sweep acts on it when due).
 */
async function untilDue(at: string | undefined): Promise<void> {
  if (at === undefined) return;
  const due = Date.parse(at);
  // A timer may wake a millisecond before its time by Date.now(): it sleeps again until the instant has come.
  for (let early = due - Date.now(); early > 0 && early <= EARLY_TOLERANCE_MS; early = due - Date.now()) {
    await sleep(early);
  }
}

/** How many tasks one sweep acts on, or enqueues jobs for in one `addBulk`; the next batch or sweep takes the rest. */
const SWEEP_BATCH = 500;
/** A rule job normally runs within milliseconds of the step opening; after this long the sweep runs it itself. */
const STALE_RULE_MS = 60_000;

/**
 * Committed time limits: the deadline and reminder workers, and the sweep that makes PostgreSQL the truth
 * for them and for rule jobs. The
 * queue only wakes things up: a sweep at start-up and every SWEEP_INTERVAL_MS acts on open tasks past due and
 * re-enqueues those due soon, so a flushed queue loses no deadline. Every timeout takes the one event path, whose
 * revision check on the write and statechart make it apply exactly once however many processes race for it.
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
    private readonly events: EventExecutor,
    private readonly definitions: DefinitionsService,
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

  /**
   * The step's `onTimeout`: deemed approval, refusal, or escalation (open and overdue). The planner decides
   * whether the job still applies: a task decided since, a superseded attempt, an escalation already made, or a
   * job early by more than clock skew all leave everything as it is.
   */
  async onDeadline(data: TaskJobData): Promise<void> {
    await untilDue(data.at);
    if (data.kind === 'lapse') return this.onLapse(data.applicationId, data.attempt);
    await this.apply(data.applicationId, { type: 'timeout', step: data.step, attempt: data.attempt });
  }

  /**
   * The correction window of round `round` has passed: the application lapses. A resubmission since (another
   * round), a withdrawal, or a job early by more than clock skew leave everything as it is.
   */
  async onLapse(applicationId: string, round: number): Promise<void> {
    await this.apply(applicationId, { type: 'lapse', round });
  }

  async onReminder(data: TaskJobData): Promise<void> {
    await untilDue(data.at);
    await this.apply(data.applicationId, { type: 'remind', step: data.step, attempt: data.attempt });
  }

  /** A timer's event down the one event path: the planner decides whether it still applies. */
  private async apply(applicationId: string, event: PlanEvent): Promise<void> {
    await this.events.applyAlone({ target: { applicationId }, event: () => event });
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
    const lapsing = await this.dataSource.manager.getRepository(ApplicationEntity).find({
      where: { status: 'correction_requested', correctionDueAt: LessThanOrEqual(now) },
      order: { correctionDueAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    await this.each(pastDue, (task) => this.onDeadline(jobData(task)));
    for (const application of lapsing) {
      await this.onLapse(application.id, correctionRound(application)).catch((error: unknown) =>
        this.logger.error(`sweep: application ${application.id}: ${(error as Error).message}`),
      );
    }
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
    await this.queues.addBulk(
      'rules',
      staleRules.map((task) => ({
        id: `rule-${task.id}-${task.attempt}-retry-${retry}`,
        data: { ...jobData(task) },
      })),
    );

    await this.enqueueDueSoon(now);
    if (pastDue.length + remindable.length + staleRules.length + lapsing.length > 0) {
      this.logger.log(
        `sweep acted on ${pastDue.length} past-due, ${remindable.length} reminder and ${staleRules.length} rule task(s), ` +
          `${lapsing.length} lapsed correction window(s)`,
      );
    }
  }

  /**
   * Whatever falls due within the horizon gets its job, in batches of `addBulk`: steps opened long ago come in as
   * their time nears, and jobs lost with the queue store come back. Ids are deterministic, so a job still pending
   * is left as it is.
   */
  private async enqueueDueSoon(now: Date): Promise<void> {
    const horizon = timerHorizon(now, this.config.sweepIntervalMs);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.dataSource.manager
        .getRepository(TaskEntity)
        .createQueryBuilder('t')
        .where("t.status = 'open'")
        .andWhere(
          '((NOT t.overdue AND t.due_at <= :horizon) OR (NOT t.reminded AND t.remind_at <= :horizon) OR t.rule_pending)',
          { horizon },
        )
        .andWhere('t.id > :after', { after })
        .orderBy('t.id')
        .take(SWEEP_BATCH)
        .getMany();
      const jobs: PlannedJob[] = [];
      await this.each(batch, async (task) => {
        const workflow = await this.definitions.load(task.workflowKey, task.workflowVersion);
        jobs.push(...jobsForTask(task, workflow.step(task.step), { now, timerHorizon: horizon }));
      });
      await enqueue(this.queues, jobs);
      if (batch.length < SWEEP_BATCH) break;
      after = batch[batch.length - 1]!.id;
    }
    await this.enqueueLapsesSoon(horizon);
  }

  /** Correction windows closing within the horizon get their lapse job, as deadlines do. */
  private async enqueueLapsesSoon(horizon: Date): Promise<void> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.dataSource.manager
        .getRepository(ApplicationEntity)
        .createQueryBuilder('a')
        .where("a.status = 'correction_requested'")
        .andWhere('a.correction_due_at <= :horizon', { horizon })
        .andWhere('a.id > :after', { after })
        .orderBy('a.id')
        .take(SWEEP_BATCH)
        .getMany();
      await enqueue(
        this.queues,
        batch.flatMap((application) => jobsForApplication(application, { timerHorizon: horizon })),
      );
      if (batch.length < SWEEP_BATCH) return;
      after = batch[batch.length - 1]!.id;
    }
  }
}

function jobData(task: TaskEntity): TaskJobData {
  return { taskId: task.id, applicationId: task.applicationId, step: task.step, attempt: task.attempt };
}
