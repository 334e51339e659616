import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryInstant, requireNonEmptyPeriod } from '../common/instant.util.js';
import { DefinitionsService } from '../definitions/definitions.service.js';
import type { ReportQuery } from './report.dto.js';
import { buildReport, type ReportRow, type WorkflowReport } from './report.util.js';

/**
 * The whole report of one workflow in one statement: every figure is an aggregate over CTEs, so nothing loops over
 * applications in JavaScript. The decided tasks are read once (`work`); what costs is sorting them per department
 * for the medians and walking the actual critical paths, and both are done over narrow rows.
 *
 * $1 workflow key, $2 from (inclusive) and $3 to (exclusive) on the submission time, each NULL for no bound.
 *
 * Decided tasks are those approved, rejected or returned; cancelled tasks (the application ended around them) and
 * open ones are no department's decision. The engine opens a step in the transaction that approves its last
 * prerequisite, so a task was opened by the approved task of one of its step's prerequisites (as analyze resolves
 * them, in the application's version) decided at the very instant it opened. The actual critical path walks those
 * links back from the tasks decided at the instant the application was decided, one link per task (`links`).
 * Requiring a prerequisite, and never visiting a step twice, matters for steps approved by a rule in the transaction
 * that opened them: they are decided at the instant they and their siblings opened, and would otherwise link to
 * themselves and to those siblings.
 */
export const WORKFLOW_REPORT_SQL = `
WITH RECURSIVE apps AS (
  SELECT id, status,
         CASE WHEN status IN ('approved', 'rejected') AND decided_at IS NOT NULL
              THEN date_part('epoch', decided_at - submitted_at) END AS elapsed
  FROM applications
  WHERE workflow_key = $1
    AND ($2::timestamptz IS NULL OR submitted_at >= $2::timestamptz)
    AND ($3::timestamptz IS NULL OR submitted_at < $3::timestamptz)
),
work AS MATERIALIZED (
  -- Every decided task, read once, narrowed to what the figures below need.
  SELECT t.application_id AS app, a.workflow_version AS version,
         a.status IN ('approved', 'rejected') AND a.decided_at IS NOT NULL AS app_decided,
         t.decided_at = a.decided_at AS last, t.step, t.department,
         t.status = 'approved' AS approved, t.opened_at, t.decided_at,
         date_part('epoch', t.decided_at - t.opened_at) AS seconds,
         t.decided_by IS DISTINCT FROM 'timeout' AND t.decided_at <= t.due_at AS on_time,
         CASE WHEN t.status = 'approved' AND t.decided_by IN ('timeout', 'rule') THEN t.decided_by
              WHEN t.status = 'returned' THEN 'returned' END AS kind
  FROM tasks t JOIN applications a ON a.id = t.application_id
  WHERE a.workflow_key = $1
    AND ($2::timestamptz IS NULL OR a.submitted_at >= $2::timestamptz)
    AND ($3::timestamptz IS NULL OR a.submitted_at < $3::timestamptz)
    AND t.workflow_key = $1 AND t.status IN ('approved', 'rejected', 'returned') AND t.decided_at IS NOT NULL
),
by_status AS (
  SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb) AS v, coalesce(sum(n), 0)::int AS total
  FROM (SELECT status, count(*)::int AS n FROM apps GROUP BY status) s
),
end_to_end AS (
  SELECT count(*)::int AS decided,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed) AS p90,
         coalesce(sum(elapsed), 0)::float8 AS elapsed
  FROM apps
  WHERE elapsed IS NOT NULL
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
by_department AS (
  SELECT department COLLATE "C" AS department,
         count(*)::int AS decided,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
         count(*) FILTER (WHERE on_time)::int AS on_time,
         count(*) FILTER (WHERE kind = 'timeout')::int AS deemed,
         count(*) FILTER (WHERE kind = 'rule')::int AS by_rule,
         count(*) FILTER (WHERE kind = 'returned')::int AS returns,
         sum(seconds) FILTER (WHERE app_decided) AS serial
  FROM work
  GROUP BY 1
),
departments AS (
  SELECT coalesce(jsonb_agg(d ORDER BY d.department), '[]'::jsonb) AS v
  FROM (
    SELECT w.department, w.decided, w.median AS "medianDecisionSeconds", w.on_time AS "onTime",
           w.deemed AS "deemedApprovals", w.by_rule AS "ruleApprovals", w.returns,
           coalesce(r.ratings, 0) AS ratings, r.average AS "ratingAverage"
    FROM by_department w LEFT JOIN rated r USING (department)
  ) d
),
speedup AS (
  -- The time in series: every decided task of the decided applications, summed per department above.
  SELECT coalesce(sum(serial), 0)::float8 AS serial FROM by_department
),
version_steps AS (
  SELECT v.version, s.value AS step
  FROM workflow_versions v CROSS JOIN jsonb_array_elements(v.definition->'steps') s
  WHERE v.key = $1
),
prerequisites AS (
  -- Each step's prerequisites in every version of the workflow, as analyze resolves them: its after, and the
  -- producers of what it needs (matched by a hash of the produced values, not by trying every step for every need).
  SELECT s.version, s.step->>'id' AS step, a.value AS prerequisite
  FROM version_steps s CROSS JOIN jsonb_array_elements_text(coalesce(s.step->'after', '[]')) a
  UNION
  SELECT s.version, s.step->>'id', p.id
  FROM version_steps s
  CROSS JOIN jsonb_array_elements_text(coalesce(s.step->'needs', '[]')) n
  JOIN (
    SELECT p.version, p.step->>'id' AS id, o.value AS produced
    FROM version_steps p CROSS JOIN jsonb_array_elements_text(coalesce(p.step->'produces', '[]')) o
  ) p ON p.version = s.version AND p.produced = n.value AND p.id <> s.step->>'id'
),
approved AS MATERIALIZED (
  SELECT app, step, department, opened_at, decided_at, seconds
  FROM work
  WHERE approved AND app_decided AND step IN (SELECT prerequisite FROM prerequisites)
),
links AS MATERIALIZED (
  -- The task that opened each decided task. Several approved prerequisites can be decided at the instant a task
  -- opened (a rule approves a whole layer of the graph in one transaction): one is kept, the one open longest
  -- (then the first by step), so that the walk follows one chain back from each task and not every combination of
  -- them, which grows exponentially with the layers approved at one instant.
  SELECT DISTINCT ON (w.app, w.step, w.opened_at) w.app, w.step, w.opened_at,
         prev.step AS prev_step, prev.department, prev.opened_at AS prev_opened_at, prev.seconds
  FROM work w
  JOIN prerequisites p ON p.version = w.version AND p.step = w.step
  JOIN approved prev ON prev.app = w.app AND prev.decided_at = w.opened_at AND prev.step = p.prerequisite
  WHERE w.app_decided
  ORDER BY w.app, w.step, w.opened_at, prev.opened_at, prev.step
),
critical (app, step, opened_at, steps, departments, seconds, depth) AS (
  SELECT w.app, w.step, w.opened_at, ARRAY[w.step], ARRAY[w.department], ARRAY[w.seconds], 1
  FROM work w
  WHERE w.app_decided AND w.last
  UNION ALL
  SELECT c.app, l.prev_step, l.prev_opened_at, l.prev_step || c.steps, l.department || c.departments,
         l.seconds || c.seconds, c.depth + 1
  FROM critical c
  JOIN links l ON l.app = c.app AND l.step = c.step AND l.opened_at = c.opened_at
  WHERE l.prev_step <> ALL (c.steps)
),
critical_paths AS (
  SELECT DISTINCT ON (app) app, steps, departments, seconds
  FROM critical
  ORDER BY app, depth DESC, steps
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
    SELECT department, count(*)::int AS applications, sum(seconds)::float8 AS seconds
    FROM (
      SELECT c.app, u.department, sum(u.seconds) AS seconds
      FROM critical_paths c CROSS JOIN LATERAL unnest(c.departments, c.seconds) u(department, seconds)
      GROUP BY c.app, u.department
    ) x
    GROUP BY department
  ) d
)
SELECT by_status.v AS "byStatus", by_status.total,
       end_to_end.decided, end_to_end.median, end_to_end.p90,
       departments.v AS departments,
       end_to_end.decided AS "speedupApplications", speedup.serial, end_to_end.elapsed,
       (SELECT count(*)::int FROM critical_paths) AS "pathApplications",
       top_paths.v AS "topPaths", on_path.v AS "onPath"
FROM by_status, end_to_end, departments, speedup, top_paths, on_path
`;

/**
 * Planner settings for the statement's own transaction. It is costed high, and compiling it (JIT) took longer than
 * running it; its sorts fit in 64 MB. The planner cannot estimate the CTEs' rows and picks merge joins that sort the
 * prerequisites' tasks again at every step of the recursive walk, where a hash join builds them once.
 */
export const WORKFLOW_REPORT_SETTINGS = `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_mergejoin = off`;

@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly definitions: DefinitionsService,
  ) {}

  async workflow(key: string, query: ReportQuery): Promise<WorkflowReport> {
    const from = queryInstant(query.from);
    const to = queryInstant(query.to);
    requireNonEmptyPeriod(from, to, 'report');
    const workflow = await this.definitions.load(key); // 404 for an unknown workflow
    const [row] = await this.dataSource.transaction(async (manager) => {
      await manager.query(WORKFLOW_REPORT_SETTINGS);
      return manager.query<ReportRow[]>(WORKFLOW_REPORT_SQL, [
        key,
        from?.toISOString() ?? null,
        to?.toISOString() ?? null,
      ]);
    });
    return buildReport({ workflow: key, from, to, row: row!, analysis: workflow.analysis });
  }
}
