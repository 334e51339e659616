import type { NamedStatement } from '../common/prepared-statement.util.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';

/**
 * The read paths' SQL for applications, written by hand like the event path's: a poll or an inbox page is one or
 * two prepared statements, with rows mapped as the executor maps them (`applicationFromRow`, `taskFromJson`).
 */

const APPLICATION_COLUMN_NAMES = [
  'id',
  'workflow_key',
  'workflow_version',
  'applicant_id',
  'status',
  'data',
  'produced',
  'snapshot',
  'revision',
  'submitted_at',
  'decided_at',
  'expected_by',
  'history_seq',
  'history_hash',
  'correction_due_at',
  'waiting',
  'pii_key',
];
const APPLICATION_COLUMNS = APPLICATION_COLUMN_NAMES.map((c) => `a.${c}`).join(', ');

/** What a poll reads whatever the answer: enough to check the caller may see it and to write the ETag. */
const POLL_COLUMNS = ['id', 'applicant_id', 'revision'];

/** One application row, unlocked. */
export const READ_APPLICATION: NamedStatement = {
  name: 'pa_read_application',
  text: `SELECT ${APPLICATION_COLUMNS} FROM applications a WHERE a.id = $1`,
};

/**
 * What a poll of application `id` reads, given the revision its If-None-Match named (`known`, null when it names
 * none): the application's id, owner and revision, and, unless its revision is still `known`, the rest of its row
 * with its tasks as one JSON array. Most polls are answered 304, and for those the lateral part yields no row: the
 * tasks are not aggregated, and the data, snapshot and timestamps are neither sent nor parsed (they come back NULL).
 * No row when there is no such application.
 */
function pollRead(id: string, known: string): string {
  return `SELECT ${POLL_COLUMNS.map((c) => `a.${c}`).join(', ')}, v.*
  FROM applications a
  LEFT JOIN LATERAL (
    SELECT ${APPLICATION_COLUMN_NAMES.filter((c) => !POLL_COLUMNS.includes(c))
      .map((c) => `a.${c}`)
      .join(', ')},
      (SELECT COALESCE(json_agg(t), '[]'::json) FROM tasks t WHERE t.application_id = a.id) AS tasks
    -- OFFSET 0 keeps the subquery whole: flattened into the join, its WHERE would become a join filter applied
    -- after the tasks were aggregated; kept whole, it is a one-time filter and a match aggregates nothing.
    WHERE a.revision IS DISTINCT FROM ${known} OFFSET 0) v ON true
  WHERE a.id = ${id}`;
}

/** One poll: application `$1`, revision `$2`. */
export const READ_APPLICATION_VIEW: NamedStatement = {
  name: 'pa_read_application_view',
  text: pollRead('$1', '$2::int'),
};

/**
 * Polls that arrived together, in one round trip: poll `n` asks for application `$1[n]` with revision `$2[n]`, and
 * its row, if any, carries `n`. PostgreSQL plans it again for each batch (a cached plan cannot know how many polls
 * an array holds, so it never looks cheaper than planning), which a batch of many pays once; a poll that goes
 * alone takes READ_APPLICATION_VIEW, whose plan is cached.
 */
export const READ_APPLICATION_VIEWS: NamedStatement = {
  name: 'pa_read_application_views',
  text: `SELECT k.n::int AS n, r.*
  FROM unnest($1::uuid[], $2::int[]) WITH ORDINALITY AS k(id, known, n)
  -- OFFSET 0 keeps each poll's read whole: one probe of the primary key per poll, whatever the batch's size.
  CROSS JOIN LATERAL (${pollRead('k.id', 'k.known')} OFFSET 0) r`,
};

/** Every task of the given applications, as one JSON array. */
export const READ_TASKS_OF: NamedStatement = {
  name: 'pa_read_tasks_of',
  text: `SELECT COALESCE(json_agg(t), '[]'::json) AS tasks FROM tasks t WHERE t.application_id = ANY($1::uuid[])`,
};

/** What a task view needs of its application. */
export interface ApplicationData {
  id: string;
  workflow_key: string;
  workflow_version: number;
  data: Record<string, unknown>;
  pii_key: WrappedKey | null;
}

const APPLICATION_DATA_COLUMNS: readonly (keyof ApplicationData)[] = [
  'id',
  'workflow_key',
  'workflow_version',
  'data',
  'pii_key',
];

/** The `ApplicationData` of the application aliased `a`, as one JSON object (for a statement that reads more). */
export const APPLICATION_DATA_JSON = `json_build_object(${APPLICATION_DATA_COLUMNS.map((c) => `'${c}', a.${c}`).join(', ')})`;

export const READ_APPLICATIONS_DATA: NamedStatement = {
  name: 'pa_read_applications_data',
  text: `SELECT ${APPLICATION_DATA_COLUMNS.map((c) => `a.${c}`).join(', ')} FROM applications a WHERE a.id = ANY($1::uuid[])`,
};
