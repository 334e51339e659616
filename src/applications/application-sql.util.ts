import type { NamedStatement } from '../common/prepared-statement.util.js';
import type { WrappedKey } from '../pii/pii-crypto.util.js';

/**
 * The read paths' SQL for applications, written by hand like the event path's: a poll or an inbox page is one or
 * two prepared statements, with rows mapped as the executor maps them (`applicationFromRow`, `taskFromJson`).
 */

const APPLICATION_COLUMNS = `a.id, a.workflow_key, a.workflow_version, a.applicant_id, a.status, a.data, a.produced,
  a.snapshot, a.revision, a.submitted_at, a.decided_at, a.expected_by, a.history_seq, a.history_hash,
  a.correction_due_at, a.waiting, a.pii_key`;

/** One application row, unlocked. */
export const READ_APPLICATION: NamedStatement = {
  name: 'pa_read_application',
  text: `SELECT ${APPLICATION_COLUMNS} FROM applications a WHERE a.id = $1`,
};

/**
 * One application row, unlocked, with its tasks as one JSON array, unless its revision is still `$2` (the one an
 * If-None-Match named; null names none): a poll is one round trip, answered 304 or with the view.
 */
export const READ_APPLICATION_VIEW: NamedStatement = {
  name: 'pa_read_application_view',
  text: `SELECT ${APPLICATION_COLUMNS},
  CASE WHEN a.revision = $2::int THEN NULL
       ELSE (SELECT COALESCE(json_agg(t), '[]'::json) FROM tasks t WHERE t.application_id = a.id) END AS tasks
  FROM applications a WHERE a.id = $1`,
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
