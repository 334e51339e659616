import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { HistoryService } from '../audit/history.service.js';
import type { Caller } from '../auth/caller.js';
import { BatchLoader } from '../common/batch-loader.util.js';
import { decodeCursor, encodeCursor } from '../common/cursor.util.js';
import { DomainException } from '../common/domain.exception.js';
import type { FieldError } from '../common/domain.exception.js';
import { jsonBodyProblems } from '../common/json-body.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { jsonLimitsOf } from '../config/security-config.js';
import { isUuid } from '../common/uuid.util.js';
import { UnitOfWork } from '../common/unit-of-work.service.js';
import type { Response } from '../common/unit-of-work.service.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import { formErrors } from '../definitions/form-schema.util.js';
import { EventExecutor } from '../events/event-executor.service.js';
import { PiiService } from '../pii/pii.service.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';
import { applicationFromRow, taskFromJson } from '../events/event-sql.util.js';
import type { ApplicationRow, TaskRow } from '../engine/plan.types.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import {
  READ_APPLICATION,
  READ_APPLICATION_VIEW,
  READ_APPLICATION_VIEWS,
  READ_TASKS_OF,
} from './application-sql.util.js';
import { ApplicationEntity } from './application.entity.js';
import type {
  ListApplicationsQuery,
  ResubmitApplicationDto,
  SubmitApplicationDto,
} from './application.dto.js';
import { mergePatch } from '../common/json-merge-patch.util.js';
import { applicationView, etagOf, namesAnyRevision, revisionNamed } from './application-view.util.js';
import type { ApplicationView } from './application-view.util.js';

/** An application row with the wrapped key its personal values are sealed under. */
type StoredApplication = ApplicationRow & { piiKey: WrappedKey | null };

/** A poll's read: the application and the revision its If-None-Match named (null for none). */
interface PollKey {
  id: string;
  known: number | null;
}

/**
 * Poll reads running at once before further polls wait and go together. Applicants poll every application that
 * is waiting, so a backlog multiplies polls faster than anything else; two running reads leave the pool's other
 * connections to the events, and a poll that waits gains a read of the database made after it arrived.
 */
const POLL_READS_AT_ONCE = 2;
const POLLS_PER_READ = 100;

@Injectable()
export class ApplicationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly definitions: DefinitionsService,
    private readonly events: EventExecutor,
    private readonly history: HistoryService,
    private readonly pii: PiiService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /**
   * Where corrected data, the stored data with a patch merged in, breaks the limits a submission's body is held to:
   * each request is within them, but patches could otherwise grow an application's data past anything one
   * submission may hold, and past what registration assumed its form's patterns would be matched on.
   */
  private beyondOneSubmission(data: Record<string, unknown>): FieldError[] {
    const problems = jsonBodyProblems({ data }, jsonLimitsOf(this.config.security));
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (problems.length === 0 && bytes > this.config.bodyLimitBytes)
      problems.push({
        path: '$.data',
        message: `would take ${bytes} bytes of JSON, more than ${this.config.bodyLimitBytes}`,
      });
    return problems;
  }

  private readonly polls = new BatchLoader<PollKey, Record<string, unknown> | undefined>({
    parallel: POLL_READS_AT_ONCE,
    maxBatch: POLLS_PER_READ,
    load: async (keys) => {
      const manager = this.dataSource.manager;
      if (keys.length === 1) {
        const [{ id, known }] = keys as [PollKey];
        return [(await runPrepared(manager, READ_APPLICATION_VIEW, [id, known]))[0]];
      }
      const rows = await runPrepared<Record<string, unknown> & { n: number }>(
        manager,
        READ_APPLICATION_VIEWS,
        [keys.map((k) => k.id), keys.map((k) => k.known)],
      );
      // A row keeps its `n`: nothing reads it past here, and a copy without it would cost one per row.
      const byPoll = new Map(rows.map((row) => [row.n, row]));
      return keys.map((_, i) => byPoll.get(i + 1));
    },
  });

  async submit(
    caller: Caller,
    dto: SubmitApplicationDto,
    idempotencyKey?: string,
  ): Promise<Response<ApplicationView>> {
    return this.unitOfWork.idempotent(
      {
        caller: `${caller.role}:${caller.id}`,
        key: idempotencyKey,
        method: 'POST',
        path: '/applications',
        body: dto,
      },
      // Inside the idempotent work: a retry replays the first answer even if the workflow has changed since.
      async (manager, afterCommit) => {
        // Planned against the latest version this process knows of; if a later one exists, nothing is written
        // and it is planned again against the version the database holds. Each further turn needs yet another
        // version committed in between (an admin's registration), so the loop ends.
        for (let fresh = false; ; fresh = true) {
          const workflow = await this.definitions.loadLatest(dto.workflow, manager, fresh);
          if (!workflow.validateForm(dto.data)) {
            throw DomainException.invalid(
              'The application data does not match the form',
              formErrors(workflow.validateForm.errors, '$.data'),
            );
          }
          const executed = await this.events.submit(
            { manager, afterCommit },
            { workflow, applicant: caller.id, data: dto.data },
          );
          if (executed) {
            const { plan } = executed;
            return { status: 201, body: applicationView(plan.state.application, workflow, plan.state.tasks) };
          }
        }
      },
      // Without an Idempotency-Key the work writes one statement, which commits by itself.
      { singleStatement: true },
    );
  }

  /**
   * The view and its ETag, or no view when `ifNoneMatch` names the current ETag: one statement either way, which
   * reads the rest of the row and the view's tasks only when the revision has moved on (an applicant polling an
   * unchanged application costs three columns of one row), and which answers the polls that arrived together.
   */
  async getUnlessMatch(
    caller: Caller,
    id: string,
    ifNoneMatch: string | undefined,
  ): Promise<{ etag: string; view: ApplicationView | null }> {
    const known = isUuid(id) ? revisionNamed(ifNoneMatch, id) : null;
    const row = isUuid(id) ? await this.polls.load({ id, known }) : undefined;
    // A match reads only the columns the check and the ETag need (the rest come back NULL): no mapping.
    const owned = this.owned(caller, row);
    const etag = etagOf({ id: owned.id as string, revision: owned.revision as number });
    if (owned.revision === known || namesAnyRevision(ifNoneMatch)) return { etag, view: null };
    const application = this.visible(caller, owned);
    const tasks = (row!.tasks as Record<string, unknown>[]).map(taskFromJson);
    const [view] = await this.views(this.dataSource.manager, [application], caller, tasks);
    return { etag, view: view! };
  }

  async list(caller: Caller, query: ListApplicationsQuery) {
    const limit = Number(query.limit ?? 20);
    const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    const builder = this.dataSource.manager
      .createQueryBuilder(ApplicationEntity, 'a')
      .orderBy('a.submitted_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(limit + 1);
    // Admins read all applications; everyone else reads their own.
    if (caller.role !== 'admin') builder.andWhere('a.applicant_id = :me', { me: caller.id });
    if (query.status) builder.andWhere('a.status = :status', { status: query.status });
    if (after) {
      const [submittedAt, id] = after;
      // One row comparison, which an index on (…, submitted_at, id) serves as a range: a deep page starts there.
      builder.andWhere('(a.submitted_at, a.id) < (:at, :id)', { at: submittedAt, id });
    }
    const rows = await builder.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.views(this.dataSource.manager, page, caller),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.submittedAt.toISOString(), last.id]) : null,
    };
  }

  /** The applicant may withdraw until the application is decided; every open and blocked step is cancelled. */
  async withdraw(caller: Caller, id: string): Promise<ApplicationView> {
    await this.findVisible(caller, id);
    const { plan, workflow } = await this.events.applyAlone({
      target: { applicationId: id },
      event: () => ({ type: 'withdraw', applicant: caller.id }),
      conflict: 'The application is already decided',
    });
    return applicationView(plan.state.application, workflow, plan.state.tasks);
  }

  /**
   * The applicant's correction: a JSON merge patch of the data, checked against the pinned version's form with
   * every error listed. The planner reopens the returned steps and the approved steps that read a changed value.
   */
  async resubmit(
    caller: Caller,
    id: string,
    dto: ResubmitApplicationDto,
    idempotencyKey?: string,
  ): Promise<Response<ApplicationView>> {
    return this.unitOfWork.idempotent(
      {
        caller: `${caller.role}:${caller.id}`,
        key: idempotencyKey,
        method: 'POST',
        path: `/applications/${id}/resubmit`,
        body: dto,
      },
      async (manager, afterCommit) => {
        if (!isUuid(id)) throw DomainException.notFound('Application');
        const { plan, workflow } = await this.events.apply(
          { manager, afterCommit },
          {
            target: { applicationId: id },
            event: ({ application }, pinned) => {
              if (application.applicantId !== caller.id) throw DomainException.notFound('Application');
              if (application.status !== 'correction_requested')
                throw DomainException.conflict('The application is not awaiting correction');
              const data = mergePatch(application.data, dto.data) as Record<string, unknown>;
              const oversized = this.beyondOneSubmission(data);
              if (oversized.length > 0)
                throw DomainException.invalid(
                  'The corrected data is larger than one submission may be',
                  oversized,
                );
              if (!pinned.validateForm(data)) {
                throw DomainException.invalid(
                  'The corrected data does not match the form',
                  formErrors(pinned.validateForm.errors, '$.data'),
                );
              }
              return { type: 'resubmit', applicant: caller.id, data };
            },
            conflict: 'The application is not awaiting correction',
          },
        );
        return { status: 200, body: applicationView(plan.state.application, workflow, plan.state.tasks) };
      },
      { singleStatement: true },
    );
  }

  async historyOf(caller: Caller, id: string) {
    await this.findVisible(caller, id);
    return this.history.list(id);
  }

  private async tasksOf(manager: EntityManager, applications: StoredApplication[]): Promise<TaskRow[]> {
    if (applications.length === 0) return [];
    const [read] = await runPrepared<{ tasks: Record<string, unknown>[] }>(manager, READ_TASKS_OF, [
      applications.map((a) => a.id),
    ]);
    return (read?.tasks ?? []).map(taskFromJson);
  }

  /** Another applicant's application is 404, never 403: its existence is not the caller's business. */
  async findVisible(caller: Caller, id: string): Promise<StoredApplication> {
    const [row] = isUuid(id) ? await runPrepared(this.dataSource.manager, READ_APPLICATION, [id]) : [];
    return this.visible(caller, row);
  }

  private visible(caller: Caller, row: Record<string, unknown> | undefined): StoredApplication {
    const owned = this.owned(caller, row);
    return { ...applicationFromRow(owned), piiKey: owned.pii_key as WrappedKey | null };
  }

  /** The row, if the caller may see it: an admin sees every application, anyone else their own. */
  private owned(caller: Caller, row: Record<string, unknown> | undefined): Record<string, unknown> {
    if (!row || (caller.role !== 'admin' && row.applicant_id !== caller.id)) {
      throw DomainException.notFound('Application');
    }
    return row;
  }

  /**
   * Application views with all their tasks read in one query, not one per application. Personal (`x-pii`) values
   * are opened for the applicant alone; an admin reads the mask in their place.
   */
  private async views(
    manager: EntityManager,
    applications: StoredApplication[],
    caller: Caller,
    read?: TaskRow[],
  ): Promise<ApplicationView[]> {
    const tasks = read ?? (await this.tasksOf(manager, applications));
    return Promise.all(
      applications.map(async (application) => {
        const workflow = await this.definitions.load(
          application.workflowKey,
          application.workflowVersion,
          manager,
        );
        const data =
          caller.role !== 'admin' && application.applicantId === caller.id
            ? this.pii.open(workflow, application).data
            : this.pii.mask(workflow, application.data);
        return applicationView(
          { ...application, data },
          workflow,
          tasks.filter((t) => t.applicationId === application.id),
        );
      }),
    );
  }
}
