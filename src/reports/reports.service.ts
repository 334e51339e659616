import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainException } from '../common/domain.exception.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { ReportQuery } from './report.dto.js';
import { buildReport, type ReportRow, type WorkflowReport } from './report.util.js';

/**
 * The whole report of one workflow in one statement: every figure is an aggregate over CTEs, so the database reads
 * the workflow's applications and their tasks once and nothing loops over applications in JavaScript.
 *
 * $1 workflow key, $2 from (inclusive) and $3 to (exclusive) on the submission time, each NULL for no bound.
 *
 * Decided tasks are those approved, rejected or returned; cancelled tasks (the application ended around them) and
 * open ones are no department's decision. A task opened by an event is opened at the instant of that event, so the
 * step whose decision opened a task is the approved task of the same application decided at that very instant: the
 * actual critical path walks those links back from the application's last decision.
 */
export const WORKFLOW_REPORT_SQL = `
WITH RECURSIVE apps AS (
  SELECT id, status, submitted_at, decided_at
  FROM applications
  WHERE workflow_key = $1
    AND ($2::timestamptz IS NULL OR submitted_at >= $2::timestamptz)
    AND ($3::timestamptz IS NULL OR submitted_at < $3::timestamptz)
),
decided_apps AS (
  SELECT id, submitted_at, decided_at, extract(epoch FROM decided_at - submitted_at)::float8 AS elapsed
  FROM apps
  WHERE status IN ('approved', 'rejected') AND decided_at IS NOT NULL
),
work AS (
  SELECT t.application_id, t.step, t.department, t.status, t.decided_by, t.opened_at, t.due_at, t.decided_at,
         extract(epoch FROM t.decided_at - t.opened_at)::float8 AS seconds
  FROM tasks t JOIN apps a ON a.id = t.application_id
  WHERE t.status IN ('approved', 'rejected', 'returned') AND t.decided_at IS NOT NULL
),
by_status AS (
  SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb) AS v, coalesce(sum(n), 0)::int AS total
  FROM (SELECT status, count(*)::int AS n FROM apps GROUP BY status) s
),
end_to_end AS (
  SELECT count(*)::int AS decided,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed) AS p90
  FROM decided_apps
),
rated AS (
  -- 好差评: a rating counts for every department that worked on the application (had a task there).
  SELECT t.department, count(*)::int AS ratings, round(avg(r.score), 2)::float8 AS average
  FROM ratings r
  JOIN apps a ON a.id = r.application_id
  JOIN (SELECT DISTINCT tk.application_id, tk.department
        FROM tasks tk JOIN ratings rr ON rr.application_id = tk.application_id) t
    ON t.application_id = r.application_id
  GROUP BY t.department
),
departments AS (
  SELECT coalesce(jsonb_agg(d ORDER BY d.department), '[]'::jsonb) AS v
  FROM (
    SELECT w.*, coalesce(r.ratings, 0) AS ratings, r.average AS "ratingAverage"
    FROM (
    SELECT department,
           count(*)::int AS decided,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS "medianDecisionSeconds",
           count(*) FILTER (WHERE decided_by IS DISTINCT FROM 'timeout' AND decided_at <= due_at)::int AS "onTime",
           count(*) FILTER (WHERE status = 'approved' AND decided_by = 'timeout')::int AS "deemedApprovals",
           count(*) FILTER (WHERE status = 'approved' AND decided_by = 'rule')::int AS "ruleApprovals",
           count(*) FILTER (WHERE status = 'returned')::int AS returns
    FROM work
    GROUP BY department
    ) w LEFT JOIN rated r USING (department)
  ) d
),
speedup AS (
  SELECT count(*)::int AS applications, coalesce(sum(w.seconds), 0)::float8 AS serial,
         coalesce(sum(a.elapsed), 0)::float8 AS elapsed
  FROM decided_apps a
  LEFT JOIN (SELECT application_id, sum(seconds) AS seconds FROM work GROUP BY application_id) w
    ON w.application_id = a.id
),
last_decision AS (
  SELECT DISTINCT ON (w.application_id) w.application_id, w.step, w.department, w.opened_at, w.seconds
  FROM work w JOIN decided_apps a ON a.id = w.application_id
  ORDER BY w.application_id, w.decided_at DESC, w.step
),
approved AS (
  SELECT application_id, decided_at, step, department, opened_at, seconds FROM work WHERE status = 'approved'
),
critical (application_id, step, department, opened_at, seconds, depth, steps) AS (
  SELECT application_id, step, department, opened_at, seconds, 1, ARRAY[step]
  FROM last_decision
  UNION ALL
  SELECT c.application_id, prev.step, prev.department, prev.opened_at, prev.seconds, c.depth + 1, prev.step || c.steps
  FROM critical c
  JOIN approved prev ON prev.application_id = c.application_id AND prev.decided_at = c.opened_at
  WHERE c.depth < 1000
),
critical_paths AS (
  SELECT DISTINCT ON (application_id) application_id, steps
  FROM critical
  ORDER BY application_id, depth DESC
),
top_paths AS (
  SELECT coalesce(jsonb_agg(p ORDER BY p.applications DESC, p.steps), '[]'::jsonb) AS v
  FROM (
    SELECT to_jsonb(steps) AS steps, count(*)::int AS applications
    FROM critical_paths GROUP BY steps ORDER BY count(*) DESC, steps LIMIT 5
  ) p
),
on_path AS (
  SELECT coalesce(jsonb_agg(d ORDER BY d.applications DESC, d.department), '[]'::jsonb) AS v
  FROM (
    SELECT department, count(DISTINCT application_id)::int AS applications,
           sum(seconds)::float8 AS seconds
    FROM critical GROUP BY department
  ) d
)
SELECT by_status.v AS "byStatus", by_status.total,
       end_to_end.decided, end_to_end.median, end_to_end.p90,
       departments.v AS departments,
       speedup.applications AS "speedupApplications", speedup.serial, speedup.elapsed,
       (SELECT count(*)::int FROM critical_paths) AS "pathApplications",
       top_paths.v AS "topPaths", on_path.v AS "onPath"
FROM by_status, end_to_end, departments, speedup, top_paths, on_path
`;

@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly definitions: DefinitionsService,
  ) {}

  async workflow(key: string, query: ReportQuery): Promise<WorkflowReport> {
    const from = query.from === undefined ? null : new Date(query.from);
    const to = query.to === undefined ? null : new Date(query.to);
    if (from && to && from >= to) {
      throw DomainException.invalid('The report period is empty', [
        { path: '$.to', message: 'must be after from' },
      ]);
    }
    const workflow = await this.definitions.load(key); // 404 for an unknown workflow
    const [row] = await this.dataSource.transaction(async (manager) => {
      // The statement is costed high, and compiling it (JIT) took longer than running it; its sorts fit in 64 MB.
      await manager.query(`SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`);
      return manager.query<ReportRow[]>(WORKFLOW_REPORT_SQL, [
        key,
        from?.toISOString() ?? null,
        to?.toISOString() ?? null,
      ]);
    });
    return buildReport({ workflow: key, from, to, row: row!, analysis: workflow.analysis });
  }
}
