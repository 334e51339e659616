import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { READ_APPLICATIONS_DATA } from '../applications/application-sql.util.js';
import type { ApplicationData } from '../applications/application-sql.util.js';
import { departmentsOf } from '../auth/caller.js';
import type { Caller } from '../auth/caller.js';
import { decodeCursor, encodeCursor } from '../common/cursor.util.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import { DomainException } from '../common/domain.exception.js';
import type { FieldError } from '../common/domain.exception.js';
import { pathWithin } from '../common/json-merge-patch.util.js';
import { isUuid } from '../common/uuid.util.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import type { Response } from '../common/unit-of-work.service.js';
import { isBlank } from '../common/text.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { StepDefinition } from '../definitions/definition.types.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { DisclosuresService } from '../disclosures/disclosures.service.js';
import { formFieldPaths } from '../definitions/definition-graph.util.js';
import type { CompiledWorkflow } from '../definitions/compiled-workflow.types.js';
import type { PlanEvent, TaskRow } from '../engine/plan.types.js';
import { MAX_TOOLBOX_ACTS, producesOtherValues } from '../engine/workflow-machine.util.js';
import type { EngineContext } from '../engine/workflow-machine.util.js';
import { EventExecutor } from '../events/event-executor.service.js';
import type { Executed } from '../events/event-executor.service.js';
import { PiiService } from '../pii/pii.service.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';
import { taskFromJson } from '../events/event-sql.util.js';
import type { DecisionDto, InboxQuery, SignersDto, TransferDto } from './task.dto.js';
import { TaskEntity } from '../applications/task.entity.js';
import { inboxStatement } from './inbox-sql.util.js';
import { taskView } from './task-view.util.js';
import type { TaskView } from './task-view.util.js';

@Injectable()
export class TasksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly definitions: DefinitionsService,
    private readonly events: EventExecutor,
    private readonly disclosures: DisclosuresService,
    private readonly pii: PiiService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** The inbox of the caller's departments (an officer may have several), most urgent due time first; admins see every department. */
  async inbox(caller: Caller, query: InboxQuery) {
    const limit = this.disclosures.pageLimit(caller, Number(query.limit ?? 50));
    const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    const { statement, values } = inboxStatement({
      status: query.status ?? 'open',
      departments: caller.role === 'admin' ? null : departmentsOf(caller),
      // A task whose rule reads facts stays out of the inbox until the rule has spoken; `rulePending=true` lists
      // those tasks instead.
      rulePending: query.rulePending === 'true',
      ...(query.overdue !== undefined ? { overdue: query.overdue === 'true' } : {}),
      ...(query.claimed === 'mine' ? { claimedBy: caller.id } : {}),
      ...(query.claimed === 'none' ? { unclaimed: true } : {}),
      ...(query.workflow ? { workflow: query.workflow } : {}),
      ...(after ? { after: { dueAt: after[0]!, id: after[1]! } } : {}),
      limit: limit + 1,
    });
    const [read] = await runPrepared<{ tasks: Record<string, unknown>[]; applications: ApplicationData[] }>(
      this.dataSource.manager,
      statement,
      values,
    );
    const rows = (read?.tasks ?? []).map(taskFromJson);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const items = await this.views(this.dataSource.manager, page, caller, read?.applications);
    // Every item shows form fields: the page is one set of disclosures in the ledger, or a 429 past the quota.
    await this.disclosures.recordTaskViews(caller, items);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor([last.dueAt.toISOString(), last.id]) : null,
    };
  }

  async get(caller: Caller, id: string): Promise<TaskView> {
    return this.show(caller, await this.findVisible(this.dataSource.manager, caller, id));
  }

  /**
   * A task for an inbox stream to show, or null while it is out of the inbox: open and waiting for a rule that reads
   * facts, as `GET /tasks` leaves it out. Nothing of it is shown or recorded then; the rule's answer changes the
   * task, and the stream hears of it again.
   */
  async inboxTask(caller: Caller, id: string): Promise<TaskEntity | null> {
    const task = await this.findVisible(this.dataSource.manager, caller, id);
    return task.status === 'open' && task.rulePending ? null : task;
  }

  /** The task's view, recorded in the ledger before it is shown; past the department's quota, a 429 instead. */
  async show(caller: Caller, task: TaskEntity): Promise<TaskView> {
    const view = await this.view(this.dataSource.manager, task, caller);
    await this.disclosures.recordTaskViews(caller, [view]);
    return view;
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
        let view: TaskView | undefined;
        await this.events.apply(
          { manager, afterCommit },
          {
            target: { taskId: id },
            event: (state, workflow) => {
              const task = state.tasks.find((t) => t.id === id);
              if (!task || !visibleTo(caller, task)) throw DomainException.notFound('Task');
              const { produces, fields } = checkDecision(workflow, workflow.step(task.step), dto);
              const grown =
                Object.keys(produces).length > 0 &&
                producedBeyondOneBody(
                  { ...state.application.produced, ...produces },
                  this.config.bodyLimitBytes,
                );
              if (grown)
                throw DomainException.invalid(
                  'The values produced so far would be larger than one body may be',
                  [{ path: '$.produces', message: grown }],
                );
              const context = state.application.snapshot.context as EngineContext;
              // Said only where the values are what stands in the way: not for a closed task, a second signature of
              // the same officer, or a task another officer holds, which the engine refuses for what they are.
              const couldSign =
                task.status === 'open' &&
                !task.signoffs.some((s) => s.officer === caller.id) &&
                (task.claimedBy === null || task.claimedBy === caller.id);
              if (dto.outcome === 'approve' && couldSign && producesOtherValues(context, task.step, produces))
                throw DomainException.conflict(
                  'This approval produces other values than the first signature of this step gave: ' +
                    'countersignatures sign for the same values',
                );
              return {
                type: 'decide',
                step: task.step,
                attempt: task.attempt,
                officer: caller.id,
                outcome: dto.outcome,
                comment: dto.comment ?? null,
                produces,
                ...(fields ? { fields } : {}),
              };
            },
            conflict:
              'The task is not open, this officer has already signed it, another officer holds it, or it produces ' +
              'other values than an earlier signature gave',
            // The answer shows the granted fields: its ledger row goes in the decision's own write.
            appendix: (executed) => {
              view = this.answer(caller, id, executed);
              return this.disclosures.actionViewAppendix(caller, view);
            },
          },
        );
        // A decision that does not apply is refused above (conflict), so the write made the view.
        return { status: 200, body: view! };
      },
      // Without an Idempotency-Key the decision's write is the only one, and commits by itself.
      { singleStatement: true },
    );
  }

  /** Claims an open task: colleagues see who holds it, and only the holder decides it until it is released. */
  claim(caller: Caller, id: string): Promise<TaskView> {
    return this.act({
      caller,
      id,
      event: (task) => ({ type: 'claim', step: task.step, attempt: task.attempt, officer: caller.id }),
      // Claiming an open task one already holds changes nothing and is no conflict. A decided task keeps its
      // holder's name, and claiming it is a conflict like any claim of a task that is not open.
      unchangedIsFine: (task) => task.status === 'open' && task.claimedBy === caller.id,
      conflict: 'The task is not open, or another officer holds it',
      bounded: true,
    });
  }

  /** Only the holder, or an admin, releases a claim. */
  release(caller: Caller, id: string): Promise<TaskView> {
    return this.act({
      caller,
      id,
      event: (task) => ({
        type: 'release',
        step: task.step,
        attempt: task.attempt,
        officer: caller.id,
        admin: caller.role === 'admin',
      }),
      conflict: 'The task is not open, not claimed, or held by another officer',
      bounded: true,
    });
  }

  /**
   * Hands the task to a named officer of its department (转办), who then holds it. Officers have no directory:
   * the department is the task's own, and only an officer of that department can see or decide it.
   */
  transfer(caller: Caller, id: string, dto: TransferDto): Promise<TaskView> {
    return this.act({
      caller,
      id,
      event: (task) => ({
        type: 'transfer',
        step: task.step,
        attempt: task.attempt,
        by: caller.id,
        to: dto.officer,
        admin: caller.role === 'admin',
        comment: dto.comment ?? null,
      }),
      conflict: 'The task is not open, is held by another officer, or already held by this officer',
      bounded: true,
    });
  }

  /** Raises the signatures this step requires for this application (加签); never lowers them. */
  addSigners(caller: Caller, id: string, dto: SignersDto): Promise<TaskView> {
    return this.act({
      caller,
      id,
      event: (task, workflow) => {
        const current = task.signoffRequired ?? workflow.step(task.step).signoff ?? 1;
        if (dto.required < current) {
          throw DomainException.invalid('Signatures may only be raised', [
            { path: '$.required', message: `must not be lower than the ${current} already required` },
          ]);
        }
        return {
          type: 'signers',
          step: task.step,
          attempt: task.attempt,
          officer: caller.id,
          required: dto.required,
        };
      },
      conflict: 'The task is not open, is held by another officer, or already requires that many signatures',
    });
  }

  /**
   * One toolbox event through the executor, written only if the application is unchanged since its read, answered
   * with the task view.
   */
  private act(input: {
    caller: Caller;
    id: string;
    event: (task: TaskRow, workflow: CompiledWorkflow) => PlanEvent;
    conflict: string;
    unchangedIsFine?: (task: TaskRow) => boolean;
    /** A claim, release or transfer: MAX_TOOLBOX_ACTS of them per attempt. */
    bounded?: true;
  }): Promise<TaskView> {
    const { caller, id } = input;
    return this.unitOfWork.run(
      async (manager, afterCommit) => {
        if (!isUuid(id)) throw DomainException.notFound('Task');
        let view: TaskView | undefined;
        const executed = await this.events.apply(
          { manager, afterCommit },
          {
            target: { taskId: id },
            event: (state, workflow) => {
              const task = state.tasks.find((t) => t.id === id);
              if (!task || !visibleTo(caller, task)) throw DomainException.notFound('Task');
              return input.event(task, workflow);
            },
            // The answer shows the granted fields too: a disclosure like any task view, in the event's own write.
            appendix: (applied) => {
              view = this.answer(caller, id, applied);
              return this.disclosures.actionViewAppendix(caller, view);
            },
          },
        );
        // The view of the turn that was written: a turn whose write found the application changed made one too.
        if (executed.plan.applied) return view!;
        // Nothing was written: a conflict, or a no-op that is fine (claiming what one holds), recorded on its own.
        const task = executed.plan.state.tasks.find((t) => t.id === id)!;
        if (!input.unchangedIsFine?.(task)) {
          const { acts } = executed.plan.state.application.snapshot.context as EngineContext;
          const bounded = input.bounded === true && caller.role !== 'admin';
          if (bounded && task.status === 'open' && (acts?.[task.step] ?? 0) >= MAX_TOOLBOX_ACTS)
            throw DomainException.conflict(
              `This task has had ${MAX_TOOLBOX_ACTS} claims, releases and transfers by officers: only a decision, ` +
                "or an admin's release or transfer, changes it now",
            );
          throw DomainException.conflict(input.conflict);
        }
        const unchanged = this.answer(caller, id, executed);
        await this.disclosures.recordActionView({ manager, afterCommit }, caller, unchanged);
        return unchanged;
      },
      // One write: the event's, or the unchanged view's record.
      { singleStatement: true },
    );
  }

  /** The task's view after an event, as the officer who sent it sees it. */
  private answer(caller: Caller, id: string, { plan, workflow }: Executed): TaskView {
    const task = plan.state.tasks.find((t) => t.id === id)!;
    const data = this.dataFor(caller, workflow, plan.state.application);
    return taskView(task, workflow, data);
  }

  /** Another department's task is 404: officers never learn it exists. */
  private async findVisible(manager: EntityManager, caller: Caller, id: string): Promise<TaskEntity> {
    const task = isUuid(id) ? await manager.findOneBy(TaskEntity, { id }) : null;
    if (!task || !visibleTo(caller, task)) {
      throw DomainException.notFound('Task');
    }
    return task;
  }

  private async view(manager: EntityManager, task: TaskEntity, caller: Caller): Promise<TaskView> {
    const [view] = await this.views(manager, [task], caller);
    return view!;
  }

  /**
   * Personal (`x-pii`) values in the clear for the department's officers, within what the step grants
   * (`pickFields` in the view); an admin reads the mask in their place.
   */
  private dataFor(
    caller: Caller,
    workflow: CompiledWorkflow,
    // Without a key the data is already open (an event's plan holds it so): open() passes clear values through.
    application: { id: string; data: Record<string, unknown>; piiKey?: WrappedKey | null },
  ): Record<string, unknown> {
    if (caller.role === 'admin') return this.pii.mask(workflow, application.data);
    return this.pii.open(workflow, { ...application, piiKey: application.piiKey ?? null }).data;
  }

  /** Task views with their applications' data read in one query (or already read with the tasks), not one per task. */
  private async views(
    manager: EntityManager,
    tasks: TaskRow[],
    caller: Caller,
    read?: ApplicationData[],
  ): Promise<TaskView[]> {
    const ids = [...new Set(tasks.map((t) => t.applicationId))];
    const rows =
      read ??
      (ids.length > 0 ? await runPrepared<ApplicationData>(manager, READ_APPLICATIONS_DATA, [ids]) : []);
    const applications = new Map(rows.map((a) => [a.id, a]));
    return Promise.all(
      tasks.map(async (task) => {
        const application = applications.get(task.applicationId)!;
        const workflow = await this.definitions.load(
          application.workflow_key,
          application.workflow_version,
          manager,
        );
        const data = this.dataFor(caller, workflow, {
          id: application.id,
          data: application.data,
          piiKey: application.pii_key,
        });
        return taskView(task, workflow, data);
      }),
    );
  }
}

/** Officers see their own department's tasks; admins see all. */
function visibleTo(caller: Caller, task: TaskRow): boolean {
  return caller.role === 'admin' || departmentsOf(caller).includes(task.department);
}

/**
 * What a decision carries, checked whole: every problem of its values and of its return goes in one 400. Returns the
 * values an approval produces and, for a return, the fields to correct.
 */
function checkDecision(
  workflow: CompiledWorkflow,
  step: StepDefinition,
  dto: DecisionDto,
): { produces: Record<string, unknown>; fields?: string[] } {
  const errors = [
    ...producesProblems(step, dto),
    ...(dto.outcome === 'return' ? returnProblems(workflow, step, dto) : []),
  ];
  if (errors.length > 0)
    throw DomainException.invalid(
      dto.outcome === 'return' ? 'The return is invalid' : 'The decision is invalid',
      errors,
    );
  if (dto.outcome === 'return') return { produces: {}, fields: [...new Set(dto.fields)] };
  return { produces: dto.outcome === 'approve' ? (dto.produces ?? {}) : {} };
}

/** An approval must carry exactly the values the step declares in `produces`; other outcomes carry none. */
/**
 * What every approval of an application produced is kept with it, shown on its views and rewritten by its events:
 * together it is held to what one body may hold, as corrected data is. Each approval is within the body limit, but
 * approvals one after another could otherwise grow an application past anything one request may send.
 */
function producedBeyondOneBody(produced: Record<string, unknown>, limit: number): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(produced));
  return bytes > limit
    ? `would make the application's produced values ${bytes} bytes of JSON, more than ${limit}`
    : null;
}

function producesProblems(step: StepDefinition, dto: DecisionDto): FieldError[] {
  const declared = step.produces ?? [];
  const given = dto.produces ?? {};
  const errors: FieldError[] = [];
  if (dto.outcome !== 'approve') {
    if (Object.keys(given).length > 0)
      errors.push({ path: '$.produces', message: 'only an approval produces values' });
  } else {
    for (const name of declared) {
      // Own members only: a name every object inherits (a workflow stored before such names were refused) would
      // otherwise find the inherited member.
      if (!Object.hasOwn(given, name) || given[name] === undefined || given[name] === null)
        errors.push({ path: `$.produces.${name}`, message: 'is required: the step produces it' });
    }
    for (const name of Object.keys(given)) {
      if (!declared.includes(name))
        errors.push({ path: `$.produces.${name}`, message: 'is not a value this step produces' });
    }
  }
  // A client that always sends every member of the contract's body sends `fields: null` (or none listed) otherwise.
  if (dto.outcome !== 'return' && (dto.fields ?? []).length > 0)
    errors.push({ path: '$.fields', message: 'only a return names fields to correct' });
  return errors;
}

/**
 * A return tells the applicant what to correct: a comment and at least one real form field, among those the step
 * sees. A department asking about a field it was never shown could not check the correction it asked for (its task
 * still hides the field), and would put the applicant to work on what another department decides.
 */
function returnProblems(workflow: CompiledWorkflow, step: StepDefinition, dto: DecisionDto): FieldError[] {
  const errors: FieldError[] = [];
  if (isBlank(dto.comment))
    errors.push({ path: '$.comment', message: 'is required: the applicant is told what to correct' });
  const fields = dto.fields ?? [];
  if (fields.length === 0)
    errors.push({ path: '$.fields', message: 'must name at least one form field to correct' });
  const known = new Set(formFieldPaths(workflow.definition.form));
  const granted = step.fields;
  fields.forEach((field, i) => {
    if (!known.has(field)) errors.push({ path: `$.fields[${i}]`, message: `'${field}' is not a form field` });
    else if (granted !== undefined && !granted.some((g) => pathWithin(field, g)))
      errors.push({
        path: `$.fields[${i}]`,
        message: `'${field}' is not among the fields step ${step.id} sees`,
      });
  });
  return errors;
}
