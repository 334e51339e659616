/**
 * Invariants of the stored event history that must hold whatever happened to the processes (several APIs, a
 * worker, crashes, restarts), checked on the database and through the history endpoint's chain verification.
 * Shared by test/multiprocess.e2e-spec.ts and scripts/crash-test.ts; not part of the service.
 */
import { withClient } from '../src/config/pg-client.util.js';

export interface Violation {
  what: string;
  rows: unknown[];
}

function rows<T>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);
}

/**
 * No event applied twice: per application, history seq runs 1..n without gap or repeat; no step has more than one
 * closing entry (a decision that closed it, or a timeout) per attempt; a timeout fired at most once per task and
 * attempt. Answers every violation found (empty when all hold).
 */
export async function historyViolations(databaseUrl: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  const gaps = await rows(
    databaseUrl,
    `SELECT application_id, count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seqs, min(seq) AS min, max(seq) AS max
       FROM history GROUP BY application_id
     HAVING count(*) <> count(DISTINCT seq) OR min(seq) <> 1 OR max(seq) <> count(*)`,
  );
  if (gaps.length > 0) violations.push({ what: 'history seq not contiguous from 1', rows: gaps });
  const timeouts = await rows(
    databaseUrl,
    `SELECT application_id, step, detail->>'attempt' AS attempt, count(*)::int AS n FROM history
      WHERE actor_role = 'system' AND actor_id = 'timer' AND type IN ('deemed_approved', 'rejected_on_timeout', 'escalated')
      GROUP BY 1, 2, 3 HAVING count(*) > 1`,
  );
  if (timeouts.length > 0) violations.push({ what: 'a timeout applied twice', rows: timeouts });
  const decisions = await rows(
    databaseUrl,
    `SELECT application_id, step, actor_id, detail->>'attempt' AS attempt, count(*)::int AS n FROM history
      WHERE type = 'decided' GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`,
  );
  if (decisions.length > 0) violations.push({ what: 'an officer decision applied twice', rows: decisions });
  return violations;
}

/** Open tasks whose due time passed more than `graceMs` ago and that are not escalated (the sweep missed them). */
export async function stuckOpenTasks(databaseUrl: string, graceMs: number): Promise<unknown[]> {
  return rows(
    databaseUrl,
    `SELECT id, application_id, step, due_at FROM tasks
      WHERE status = 'open' AND NOT overdue AND due_at < now() - make_interval(secs => $1)`,
    [graceMs / 1000],
  );
}

/** Every application id of the database, with its applicant. */
export function applicationsOf(databaseUrl: string): Promise<{ id: string; applicant: string }[]> {
  return rows(databaseUrl, 'SELECT id, applicant_id AS applicant FROM applications ORDER BY submitted_at');
}

/** The stored decision of each (task, officer) pair: how many `decided` entries name that officer on that step. */
export async function storedDecisions(databaseUrl: string): Promise<Map<string, number>> {
  const found = await rows<{ task_id: string; officer: string; n: number }>(
    databaseUrl,
    `SELECT t.id AS task_id, h.actor_id AS officer, count(*)::int AS n
       FROM history h JOIN tasks t ON t.application_id = h.application_id AND t.step = h.step
                         AND t.attempt = (h.detail->>'attempt')::int
      WHERE h.type = 'decided' GROUP BY 1, 2`,
  );
  return new Map(found.map((r) => [`${r.task_id}|${r.officer}`, r.n]));
}

/** Database rows, for checks of a test's own. */
export const query = rows;
