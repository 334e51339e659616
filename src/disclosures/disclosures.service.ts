import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { ApplicationsService } from '../applications/applications.service.js';
import { departmentsOf } from '../auth/caller.js';
import type { Caller } from '../auth/caller.js';
import { decodeCursor, encodeCursor } from '../common/cursor.util.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';
import type { AfterCommit } from '../common/unit-of-work.service.js';
import { DomainException, TooManyRequestsException } from '../common/domain.exception.js';
import { queryInstant } from '../common/instant.util.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DisclosureDto, DisclosuresQuery, FlowBucket, FlowsDto, FlowsQuery } from './disclosure.dto.js';
import type { DisclosureKind } from './disclosure.entity.js';
import { disclosedFields, hourStart, quotaOf, secondsToNextHour } from './disclosure.util.js';

/** What of a task view the ledger needs: whose application, which step and department, the data shown. */
export interface ViewedTask {
  applicationId: string;
  step: string;
  department: string;
  data: Record<string, unknown>;
}

/** A fact lookup about to send application values to another department's service. */
export interface FactLookup {
  applicationId: string;
  step: string;
  fact: string;
  host: string;
  fields: string[];
}

/** The longest span `GET /disclosures/flows` aggregates, per bucket: enough rows to chart, never a table scan's worth. */
const MAX_FLOW_SPAN_MS: Record<FlowBucket, number> = { hour: 31 * 86_400_000, day: 366 * 86_400_000 };

/** The rows of one request's task views, as JSON: `n` below. */
const VIEWS_AS_ROWS = `SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS n(application_id uuid, recipient text, step text, fields text[], quota int)`;

const INSERT_VIEWS = `INSERT INTO disclosures
    (application_id, kind, source_department, recipient_department, actor_role, actor_id, step, fields, at)
  SELECT application_id, 'task-view', 'applicant', recipient, $2, $3, step, fields, $4 FROM n`;

/** Views answering actions on tasks, each row with its actor and time, from the JSON parameter `rows`. */
const insertActionViews = (rows: string) => `INSERT INTO disclosures
    (application_id, kind, source_department, recipient_department, actor_role, actor_id, step, fields, at)
  SELECT application_id, 'task-view', 'applicant', recipient, actor_role, actor_id, step, fields, at
    FROM jsonb_to_recordset(${rows}::jsonb) AS v(application_id uuid, recipient text, actor_role text, actor_id text,
      step text, fields text[], at timestamptz)`;

/** An action's view recorded in a statement of its own (an action that wrote nothing to append it to). */
const RECORD_ACTION_VIEWS: NamedStatement = {
  name: 'disclosures_record_action_views',
  text: insertActionViews('$1'),
};

/** Task views of departments without a quota: recorded, nothing to count (prepared: every inbox page runs it). */
const RECORD_VIEWS: NamedStatement = {
  name: 'disclosures_record_views',
  text: `WITH n AS (${VIEWS_AS_ROWS}) ${INSERT_VIEWS}`,
};

/** Task views with a quota: recorded only if no department would pass it this hour; returns those that would. */
const RECORD_VIEWS_WITHIN_QUOTA: NamedStatement = {
  name: 'disclosures_record_views_within_quota',
  text: `WITH n AS (${VIEWS_AS_ROWS}), need AS (
      SELECT recipient, quota, count(*) AS k FROM n WHERE quota IS NOT NULL GROUP BY recipient, quota
    ), refused AS (
      SELECT need.recipient, need.quota FROM need
       WHERE need.k + (SELECT count(*) FROM (
               SELECT 1 FROM disclosures d
                WHERE d.recipient_department = need.recipient AND d.at >= $5 AND d.kind = 'task-view'
                LIMIT need.quota) used) > need.quota
    ), recorded AS (${INSERT_VIEWS}
       WHERE NOT EXISTS (SELECT 1 FROM refused)
    )
    SELECT recipient, quota FROM refused`,
};

/**
 * The ledger of data flows (数据流转台账): every task view that shows an officer form fields and every fact
 * lookup that sends application values to another department's service is one row, written in the same round
 * trip as the check of the department's hourly quota (PII_READ_QUOTAS). Rows name fields, never values.
 */
@Injectable()
export class DisclosuresService {
  private readonly recorded: Counter<'department' | 'kind'>;
  private readonly refused: Counter<'department'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly applications: ApplicationsService,
    metrics: MetricsService,
  ) {
    // Counted by the process that records, as Prometheus sums counters over instances.
    this.recorded = new Counter({
      name: 'pa_disclosures_total',
      help: 'Disclosures recorded in the ledger by this process, by recipient department (or fact host) and kind',
      labelNames: ['department', 'kind'] as const,
      registers: [metrics.registry],
    });
    this.refused = new Counter({
      name: 'pa_pii_read_quota_exceeded_total',
      help: 'Task views refused (429) because the department had used its PII_READ_QUOTAS for the hour',
      labelNames: ['department'] as const,
      registers: [metrics.registry],
    });
  }

  /**
   * The most items a page of task views may hold for this caller: `limit`, but never more than the smallest hourly
   * quota among the officer's departments. A larger page could never be recorded within the quota, and would be
   * refused hour after hour with a Retry-After that never helps.
   */
  pageLimit(caller: Caller, limit: number): number {
    const quotas = this.config.security.piiReadQuotas;
    if (caller.role !== 'officer' || (quotas.departments.size === 0 && quotas.others === undefined))
      return limit;
    const smallest = Math.min(
      ...departmentsOf(caller).map((department) => quotaOf(quotas, department) ?? Infinity),
    );
    return Math.max(1, Math.min(limit, smallest));
  }

  /**
   * Records the views one request shows, one statement for all of them: the INSERT happens only if no
   * department involved would pass its quota for the current clock hour; otherwise nothing is recorded and the
   * request is refused with 429 until the next hour. Views showing no field are no disclosure. Admins are
   * recorded (department null) but have no quota.
   *
   * The count and the insert are one statement but not serialised: views of one department running at the same
   * moment each see the count before the others' rows, so a department may pass its quota by at most the number
   * of its views in flight at once (bounded by the connection pools). That keeps the officer's hot path to one
   * round trip with no lock.
   *
   * The row is committed durably before the view is answered (an fsync per view): a ledger of personal-data flows
   * that a crash of PostgreSQL could silently shorten would not be one.
   */
  async recordTaskViews(caller: Caller, views: readonly ViewedTask[]): Promise<void> {
    const rows = this.viewRows(caller, views, true);
    if (rows.length === 0) return;
    const now = new Date();
    const values = [JSON.stringify(rows), caller.role, caller.id, now];
    // Without a quota for any department involved there is nothing to count: the plain INSERT.
    const refused = rows.some((row) => row.quota !== null)
      ? await runPrepared<{ recipient: string; quota: number }>(
          this.dataSource.manager,
          RECORD_VIEWS_WITHIN_QUOTA,
          [...values, hourStart(now)],
        )
      : await runPrepared<{ recipient: string; quota: number }>(
          this.dataSource.manager,
          RECORD_VIEWS,
          values,
        );
    if (refused.length > 0) {
      for (const { recipient } of refused) this.refused.inc({ department: recipient });
      const names = refused.map((r) => `${r.recipient} (${r.quota} per hour)`).join(', ');
      throw new TooManyRequestsException(
        `The personal-data read quota of ${names} is used up for this hour`,
        secondsToNextHour(now),
      );
    }
    for (const row of rows) this.recorded.inc({ department: row.recipient ?? 'admin', kind: 'task-view' });
  }

  /**
   * The ledger row of the task view that answers an action on the task (decision, claim, release, transfer,
   * signers), as rows the action's own write statement appends (EventRequest.appendix in the event executor): no
   * statement of its own, and gone with the action if it fails. Null when the view shows no field. No quota: it
   * bounds reads, and a department past it must still be able to act on its tasks. A replayed idempotent decision
   * answers what was recorded the first time and adds nothing.
   */
  actionViewAppendix(
    caller: Caller,
    view: ViewedTask,
  ): { name: string; cte: (rows: string) => string; rows: unknown[]; onCommit: () => void } | null {
    const at = new Date();
    const rows = this.viewRows(caller, [view], false).map(({ quota: _quota, ...row }) => ({
      ...row,
      actor_role: caller.role,
      actor_id: caller.id,
      at,
    }));
    if (rows.length === 0) return null;
    const onCommit = () => {
      for (const row of rows) this.recorded.inc({ department: row.recipient ?? 'admin', kind: 'task-view' });
    };
    return { name: 'disclosures', cte: insertActionViews, rows, onCommit };
  }

  /** The same row in the action's transaction, for an action that wrote nothing (claiming what one holds). */
  async recordActionView(
    at: { manager: EntityManager; afterCommit: AfterCommit },
    caller: Caller,
    view: ViewedTask,
  ): Promise<void> {
    const appendix = this.actionViewAppendix(caller, view);
    if (!appendix) return;
    await runPrepared(at.manager, RECORD_ACTION_VIEWS, [JSON.stringify(appendix.rows)]);
    at.afterCommit(() => Promise.resolve(appendix.onCommit()));
  }

  /** The ledger rows of views that show at least one field; an officer's with the department's quota if asked. */
  private viewRows(caller: Caller, views: readonly ViewedTask[], withQuota: boolean) {
    const officer = caller.role === 'officer';
    return views
      .map((view) => ({
        application_id: view.applicationId,
        recipient: officer ? view.department : null,
        step: view.step,
        fields: disclosedFields(view.data),
        quota:
          officer && withQuota
            ? (quotaOf(this.config.security.piiReadQuotas, view.department) ?? null)
            : null,
      }))
      .filter((row) => row.fields.length > 0);
  }

  /**
   * Records a fact lookup before its request leaves: the values are sent whether or not an answer comes back. A
   * lookup that sends no field of the application is no flow, as a view that shows no field is none.
   */
  async recordFactLookup(lookup: FactLookup): Promise<void> {
    if (lookup.fields.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO disclosures
         (application_id, kind, source_department, recipient_department, actor_role, actor_id, step, fields, target, at)
       VALUES ($1, 'fact-lookup', 'applicant', $2, 'system', 'rule', $3, $4, $5, $6)`,
      [lookup.applicationId, lookup.host, lookup.step, lookup.fields, lookup.fact, new Date()],
    );
    this.recorded.inc({ department: lookup.host, kind: 'fact-lookup' });
  }

  /** Who was shown the application's data, newest first: for its applicant and admins; 404 for anyone else. */
  async listFor(
    caller: Caller,
    applicationId: string,
    query: DisclosuresQuery,
  ): Promise<{ items: DisclosureDto[]; nextCursor: string | null }> {
    await this.applications.findVisible(caller, applicationId);
    const limit = Number(query.limit ?? 50);
    const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT id, kind, recipient_department, actor_role, actor_id, step, fields, target, at
         FROM disclosures
        WHERE application_id = $1 ${after ? 'AND (at, id) < ($3, $4)' : ''}
        ORDER BY at DESC, id DESC
        LIMIT $2`,
      [applicationId, limit + 1, ...(after ?? [])],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        id: row.id,
        kind: row.kind,
        department: row.recipient_department,
        actor: { role: row.actor_role, id: row.actor_id },
        step: row.step,
        fields: row.fields,
        fact: row.target,
        at: row.at.toISOString(),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.at.toISOString(), last.id]) : null,
    };
  }

  /** Disclosures and fields per (source → recipient, kind) and hour or day: one aggregate over the window. */
  async flows(query: FlowsQuery): Promise<FlowsDto> {
    const bucket = query.bucket ?? 'hour';
    const to = queryInstant(query.to) ?? new Date();
    const from =
      queryInstant(query.from) ?? new Date(to.getTime() - (bucket === 'hour' ? 86_400_000 : 30 * 86_400_000));
    if (!(from < to)) {
      throw DomainException.invalid('The window is empty', [
        { path: '$.from', message: 'must be before to' },
      ]);
    }
    if (to.getTime() - from.getTime() > MAX_FLOW_SPAN_MS[bucket]) {
      throw DomainException.invalid('The window is too long for the bucket', [
        {
          path: '$.from',
          message: `must be at most ${MAX_FLOW_SPAN_MS[bucket] / 86_400_000} days before to with bucket=${bucket}`,
        },
      ]);
    }
    const rows = await this.dataSource.query<FlowRow[]>(
      `SELECT date_trunc($3, at, 'UTC') AS bucket, source_department, recipient_department, kind,
              count(*) AS disclosures, sum(cardinality(fields)) AS fields
         FROM disclosures
        WHERE at >= $1 AND at < $2
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3 NULLS FIRST, 4`,
      [from, to, bucket],
    );
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      items: rows.map((row) => ({
        bucket: row.bucket.toISOString(),
        source: row.source_department,
        recipient: row.recipient_department,
        kind: row.kind,
        disclosures: Number(row.disclosures),
        fields: Number(row.fields),
      })),
    };
  }
}

interface Row {
  id: string;
  kind: DisclosureKind;
  recipient_department: string | null;
  actor_role: string;
  actor_id: string;
  step: string;
  fields: string[];
  target: string | null;
  at: Date;
}

interface FlowRow {
  bucket: Date;
  source_department: string;
  recipient_department: string | null;
  kind: DisclosureKind;
  disclosures: string;
  fields: string;
}
