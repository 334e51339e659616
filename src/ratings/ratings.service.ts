import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../applications/applications.service.js';
import type { Caller } from '../auth/caller.js';
import { DomainException } from '../common/domain.exception.js';
import { queryInstant, requireNonEmptyPeriod } from '../common/instant.util.js';
import type {
  DepartmentRatingDto,
  RateDto,
  RatingDto,
  RatingsReportDto,
  RatingSummaryDto,
} from './rating.dto.js';

/** Decided by the departments: a withdrawn application was never served to the end, so it is not rated. */
const RATEABLE = ['approved', 'rejected'];

interface Window {
  workflow: string | null;
  from: Date | null;
  to: Date | null;
}

@Injectable()
export class RatingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly applications: ApplicationsService,
  ) {}

  /** The applicant rates a decided application once (好差评); before the decision or a second time is 409. */
  async rate(caller: Caller, applicationId: string, dto: RateDto): Promise<RatingDto> {
    const application = await this.applications.findVisible(caller, applicationId);
    if (!RATEABLE.includes(application.status)) {
      throw DomainException.conflict('Only a decided application can be rated');
    }
    const rows: { created_at: Date }[] = await this.dataSource.query(
      `INSERT INTO ratings (application_id, workflow_key, applicant_id, score, comment, created_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (application_id) DO NOTHING RETURNING created_at`,
      [application.id, application.workflowKey, caller.id, dto.score, dto.comment ?? null],
    );
    const created = rows[0];
    if (!created) throw DomainException.conflict('This application has already been rated');
    return {
      applicationId: application.id,
      score: dto.score,
      comment: dto.comment ?? null,
      createdAt: created.created_at.toISOString(),
    };
  }

  async report(query: { workflow?: string; from?: string; to?: string }): Promise<RatingsReportDto> {
    const window: Window = {
      workflow: query.workflow ?? null,
      from: queryInstant(query.from),
      to: queryInstant(query.to),
    };
    requireNonEmptyPeriod(window.from, window.to, 'rating');
    const [overall, departments] = await Promise.all([
      this.summary(window),
      this.ratingsByDepartment(window.workflow, window.from, window.to),
    ]);
    return {
      workflow: window.workflow,
      from: window.from?.toISOString() ?? null,
      to: window.to?.toISOString() ?? null,
      overall,
      departments,
    };
  }

  /**
   * Per department, the count and mean of the ratings of applications it worked on (it had a task: a skipped
   * step has none), given in [from, to); `workflowKey` null means every workflow.
   */
  async ratingsByDepartment(
    workflowKey: string | null,
    from: Date | null = null,
    to: Date | null = null,
  ): Promise<DepartmentRatingDto[]> {
    const rows: { department: string; count: number; average: string }[] = await this.dataSource.query(
      `SELECT t.department, count(*)::int AS count, round(avg(r.score), 2)::text AS average
       FROM ratings r
       -- Per rating, the departments of its application's tasks (by the tasks' application index): a DISTINCT over
       -- the whole tasks table would be read for every report, however narrow its window.
       CROSS JOIN LATERAL (SELECT DISTINCT tk.department FROM tasks tk WHERE tk.application_id = r.application_id) t
       WHERE ${WINDOW}
       GROUP BY t.department ORDER BY t.department`,
      [workflowKey, from, to],
    );
    return rows.map((row) => ({
      department: row.department,
      count: row.count,
      average: Number(row.average),
    }));
  }

  private async summary(window: Window): Promise<RatingSummaryDto> {
    const rows: { count: number; average: string | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS count, round(avg(r.score), 2)::text AS average FROM ratings r WHERE ${WINDOW}`,
      [window.workflow, window.from, window.to],
    );
    const row = rows[0];
    return { count: row?.count ?? 0, average: row?.average == null ? null : Number(row.average) };
  }
}

const WINDOW = `($1::text IS NULL OR r.workflow_key = $1)
  AND ($2::timestamptz IS NULL OR r.created_at >= $2)
  AND ($3::timestamptz IS NULL OR r.created_at < $3)`;
