import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import type { Caller } from '../auth/caller.js';
import { decodeCursor, encodeCursor } from '../common/cursor.util.js';
import { DomainException } from '../common/domain.exception.js';
import type { FieldError } from '../common/domain.exception.js';
import { isUuid } from '../common/uuid.util.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import type { Response } from '../common/unit-of-work.service.js';
import type { StepDefinition } from '../definitions/definition.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { TaskRow } from '../engine/plan.types.js';
import { EventExecutor } from '../events/event-executor.service.js';
import type { DecisionDto, InboxQuery } from './task.dto.js';
import { TaskEntity } from '../applications/task.entity.js';
import { taskView } from './task-view.util.js';
import type { TaskView } from './task-view.util.js';

@Injectable()
export class TasksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly definitions: DefinitionsService,
    private readonly events: EventExecutor,
  ) {}

  /** The inbox of the caller's departments (an officer may have several), most urgent due time first; admins see every department. */
  async inbox(caller: Caller, query: InboxQuery) {
    const limit = Number(query.limit ?? 50);
    const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    const builder = this.dataSource.manager
      .createQueryBuilder(TaskEntity, 't')
      .where('t.status = :status', { status: query.status ?? 'open' })
      .orderBy('t.due_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .take(limit + 1);
    if (caller.role !== 'admin')
      builder.andWhere('t.department IN (:...departments)', { departments: callerDepartments(caller) });
    // A task whose rule reads facts stays out of the inbox until the rule has spoken; `rulePending=true` lists
    // those tasks instead.
    builder.andWhere('t.rule_pending = :rulePending', { rulePending: query.rulePending === 'true' });
    if (query.overdue !== undefined)
      builder.andWhere('t.overdue = :overdue', { overdue: query.overdue === 'true' });
    if (query.workflow) builder.andWhere('t.workflow_key = :workflow', { workflow: query.workflow });
    if (after) {
      const [dueAt, id] = after;
      builder.andWhere(
        new Brackets((w) =>
          w.where('t.due_at > :due', { due: dueAt }).orWhere('t.due_at = :due AND t.id > :id', { id }),
        ),
      );
    }
    const rows = await builder.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.views(this.dataSource.manager, page),
      nextCursor: rows.length > limit && last ? encodeCursor([last.dueAt.toISOString(), last.id]) : null,
    };
  }

  async get(caller: Caller, id: string): Promise<TaskView> {
    return this.view(this.dataSource.manager, await this.findVisible(this.dataSource.manager, caller, id));
  }

  async decide(
    caller: Caller,
    id: string,
    dto: DecisionDto,
    idempotencyKey?: string,
  ): Promise<Response<TaskView>> {
    return this.unitOfWork.idempotent(
      {
        caller: `${caller.role}:${caller.id}`,
        key: idempotencyKey,
        method: 'POST',
        path: `/tasks/${id}/decision`,
        body: dto,
      },
      async (manager, afterCommit) => {
        if (!isUuid(id)) throw DomainException.notFound('Task');
        const { plan, workflow } = await this.events.apply(
          { manager, afterCommit },
          {
            target: { taskId: id },
            event: (state, locked) => {
              const task = state.tasks.find((t) => t.id === id);
              if (!task || !visibleTo(caller, task)) throw DomainException.notFound('Task');
              return {
                type: 'decide',
                step: task.step,
                attempt: task.attempt,
                officer: caller.id,
                outcome: dto.outcome,
                comment: dto.comment ?? null,
                produces: checkProduces(locked.step(task.step), dto),
              };
            },
            conflict: 'The task is not open, or this officer has already signed it',
          },
        );
        const decided = plan.state.tasks.find((t) => t.id === id)!;
        const step = workflow.step(decided.step);
        return { status: 200, body: taskView(decided, step, workflow.version, plan.state.application.data) };
      },
    );
  }

  /** Another department's task is 404: officers never learn it exists. */
  private async findVisible(manager: EntityManager, caller: Caller, id: string): Promise<TaskEntity> {
    const task = isUuid(id) ? await manager.findOneBy(TaskEntity, { id }) : null;
    if (!task || !visibleTo(caller, task)) {
      throw DomainException.notFound('Task');
    }
    return task;
  }

  private async view(manager: EntityManager, task: TaskEntity): Promise<TaskView> {
    const [view] = await this.views(manager, [task]);
    return view!;
  }

  /** Task views with their applications loaded in one query, not one per task. */
  private async views(manager: EntityManager, tasks: TaskEntity[]): Promise<TaskView[]> {
    const ids = [...new Set(tasks.map((t) => t.applicationId))];
    const applications = new Map(
      (ids.length > 0 ? await manager.findBy(ApplicationEntity, { id: In(ids) }) : []).map((a) => [a.id, a]),
    );
    return Promise.all(
      tasks.map(async (task) => {
        const application = applications.get(task.applicationId)!;
        const workflow = await this.definitions.load(
          application.workflowKey,
          application.workflowVersion,
          manager,
        );
        return taskView(task, workflow.step(task.step), application.workflowVersion, application.data);
      }),
    );
  }
}

/** Officers see their own department's tasks; admins see all. */
function visibleTo(caller: Caller, task: TaskRow): boolean {
  return caller.role === 'admin' || callerDepartments(caller).includes(task.department);
}

/** An approval must carry exactly the values the step declares in `produces`; other outcomes carry none. */
function checkProduces(step: StepDefinition, dto: DecisionDto): Record<string, unknown> {
  const declared = step.produces ?? [];
  const given = dto.produces ?? {};
  const errors: FieldError[] = [];
  if (dto.outcome !== 'approve') {
    if (Object.keys(given).length > 0)
      errors.push({ path: '$.produces', message: 'only an approval produces values' });
  } else {
    for (const name of declared) {
      if (given[name] === undefined || given[name] === null)
        errors.push({ path: `$.produces.${name}`, message: 'is required: the step produces it' });
    }
    for (const name of Object.keys(given)) {
      if (!declared.includes(name))
        errors.push({ path: `$.produces.${name}`, message: 'is not a value this step produces' });
    }
  }
  if (dto.fields !== undefined)
    errors.push({ path: '$.fields', message: 'only a return names fields to correct' });
  if (errors.length > 0) throw DomainException.invalid('The decision is invalid', errors);
  return dto.outcome === 'approve' ? given : {};
}

/** Never empty, so `IN (...)` stays valid SQL; an officer token always names at least one department. */
function callerDepartments(caller: Caller): string[] {
  return caller.departments?.length ? caller.departments : [caller.department ?? ''];
}
