import { APPLICATION_DATA_JSON } from '../applications/application-sql.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';

/** What an inbox page is filtered by; absent filters are left out of the statement. */
export interface InboxFilter {
  status: string;
  /** The caller's departments; null for an admin, who sees every department. */
  departments: string[] | null;
  rulePending: boolean;
  overdue?: boolean;
  /** Only the tasks this officer holds (`claimed=mine`), or only unclaimed ones (`claimed=none`). */
  claimedBy?: string;
  unclaimed?: boolean;
  workflow?: string;
  /** The last item of the previous page: its due time (as toISOString writes it) and id. */
  after?: { dueAt: string; id: string };
  /** Rows to read: the page size plus one, to learn whether a next page exists. */
  limit: number;
}

/**
 * The inbox as one statement: only the conditions a request uses, so each combination has a fixed text, is
 * prepared once per connection under its own name, and plans against the inbox index as the written-out query
 * would. The page arrives as one JSON array (the executor's format for task rows), most urgent due time first, and
 * beside it what the views need of the page's applications (`ApplicationData`), so a page is one round trip.
 */
export function inboxStatement(filter: InboxFilter): { statement: NamedStatement; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const names: string[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const when = (name: string, condition: () => string) => {
    names.push(name);
    where.push(condition());
  };
  where.push(`t.status = ${param(filter.status)}`);
  if (filter.departments !== null) {
    // One department (the usual officer) compares with `=`, as the index's leading column wants.
    if (filter.departments.length === 1) when('d', () => `t.department = ${param(filter.departments![0])}`);
    else when('ds', () => `t.department = ANY(${param(filter.departments)}::text[])`);
  }
  where.push(`t.rule_pending = ${param(filter.rulePending)}`);
  if (filter.overdue !== undefined) when('o', () => `t.overdue = ${param(filter.overdue)}`);
  if (filter.claimedBy !== undefined) when('m', () => `t.claimed_by = ${param(filter.claimedBy)}`);
  if (filter.unclaimed) when('n', () => 't.claimed_by IS NULL');
  if (filter.workflow !== undefined) when('w', () => `t.workflow_key = ${param(filter.workflow)}`);
  if (filter.after !== undefined) {
    const { dueAt, id } = filter.after;
    when('c', () => `(t.due_at, t.id) > (${param(dueAt)}::timestamptz, ${param(id)}::uuid)`);
  }
  const limit = param(filter.limit);
  return {
    statement: {
      name: `pa_inbox${names.length > 0 ? `_${names.join('')}` : ''}`,
      text: `WITH p AS (
  SELECT t.* FROM tasks t WHERE ${where.join(' AND ')} ORDER BY t.due_at, t.id LIMIT ${limit})
SELECT COALESCE((SELECT json_agg(p ORDER BY p.due_at, p.id) FROM p), '[]'::json) AS tasks,
  COALESCE((SELECT json_agg(${APPLICATION_DATA_JSON})
    FROM applications a WHERE a.id IN (SELECT p.application_id FROM p)), '[]'::json) AS applications`,
    },
    values,
  };
}
