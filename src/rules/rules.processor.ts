import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { TaskEntity } from '../applications/task.entity.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { TaskJobData } from '../events/event-jobs.util.js';
import { EventExecutor } from '../events/event-executor.service.js';
import { piiFieldPaths } from '../pii/pii-fields.util.js';
import { PiiService } from '../pii/pii.service.js';
import { QueueService } from '../queue/queue.service.js';
import { FactsService } from './facts.service.js';
import { verdict } from './json-logic.util.js';
import { factsUsed, valuesRead } from './rule.util.js';
import type { FactResult } from './facts.service.js';

/**
 * Instant approval (秒批) for rules that read facts: a rule that reads none is decided inside the event that opens
 * its step (see the planner). When a step whose rule reads facts opens, this worker fetches them and evaluates
 * the rule. The result takes the one event path: a rule that holds approves the step (and its dependants
 * open, perhaps to be approved by rule in turn); one that does not leaves it with its officers. Either way the
 * rule, what it read and its result go into the history.
 */
@Injectable()
export class RulesProcessor implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly queues: QueueService,
    private readonly events: EventExecutor,
    private readonly definitions: DefinitionsService,
    private readonly facts: FactsService,
    private readonly pii: PiiService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.processRole === 'api') return;
    this.queues.work('rules', (job) => this.evaluate(job.data as unknown as TaskJobData), 16);
  }

  async evaluate(data: TaskJobData): Promise<void> {
    const task = await this.dataSource.manager.findOneBy(TaskEntity, { id: data.taskId });
    // A rule that has spoken is not asked again: the sweep queues a second job for a rule still pending after a
    // minute, and when the first was only waiting in a backlog, the second must not fetch the facts once more.
    if (!task || task.status !== 'open' || !task.rulePending || task.attempt !== data.attempt) return;
    const application = await this.dataSource.manager.findOneByOrFail(ApplicationEntity, {
      id: task.applicationId,
    });
    const workflow = await this.definitions.load(application.workflowKey, application.workflowVersion);
    const rule = workflow.step(task.step).autoApprove;
    if (rule === undefined) return;
    // Fact URLs and the rule read personal values in the clear; the history keeps them masked (`valuesRead`).
    const { data: values } = this.pii.open(workflow, application);

    // Facts are fetched here, outside any transaction: a slow department's service never holds a row lock.
    const lookups = await Promise.all(
      factsUsed(rule).map(async (name) => {
        const fact = workflow.definition.facts?.[name];
        const result = fact
          ? await this.facts.lookup({
              applicationId: application.id,
              step: task.step,
              name,
              fact,
              data: values,
            })
          : { ok: false as const, error: 'no such fact' };
        return [name, result] as const;
      }),
    );
    const input = {
      ...values,
      ...application.produced,
      facts: Object.fromEntries(
        lookups.filter(([, r]) => r.ok).map(([name, r]) => [name, r.ok ? r.value : null]),
      ),
    };
    const outcome = verdict(rule, input);
    // A fact that could not be had makes the rule not hold, whatever the rule would make of its absence: a rule
    // like "not listed" must not approve because the list could not be read.
    const result = outcome === 'holds' && lookups.every(([, r]) => r.ok);
    await this.events.applyAlone({
      target: { applicationId: task.applicationId },
      event: () => ({
        type: 'rule',
        step: task.step,
        attempt: task.attempt,
        holds: result,
        detail: {
          attempt: task.attempt,
          rule,
          read: valuesRead(rule, input, piiFieldPaths(workflow.definition.form)),
          // Whether each fact was had, never its whole answer or URL: `read` keeps the values the rule used.
          facts: Object.fromEntries(lookups.map(([name, r]) => [name, factOutcome(r)])),
          result,
          ...(outcome === 'stopped' ? { stopped: true } : {}),
        },
      }),
    });
  }
}

function factOutcome(result: FactResult): { ok: boolean; cached?: boolean; error?: string } {
  return result.ok ? { ok: true, cached: result.cached } : { ok: false, error: result.error };
}
