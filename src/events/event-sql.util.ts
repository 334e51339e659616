import { jsonCopy } from '../common/json-copy.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';
import type { ApplicationRow, ApplicationState, HistoryRow, Plan, TaskRow } from '../engine/plan.types.js';
import type { EngineContext } from '../engine/workflow-machine.util.js';

/**
 * The hot path's SQL, written by hand: the planner decides everything, so each event needs one statement that reads
 * the application with its tasks, and one write. Rows travel as JSON and `json_populate_recordset` turns them into
 * table rows, so one statement with a fixed text (and so one cached plan in PostgreSQL) carries any number of task
 * and history rows.
 */

/**
 * Reads the application, found by its id ($1) or through one of its tasks ($2), with its tasks, in one statement and
 * so from one snapshot: every event's write changes the row and its tasks in one statement, so what this reads is
 * always a state some write left. No lock: the write applies only if the revision read is still the stored one
 * (UPDATE_WITH), and the executor reads and plans again otherwise. `state` is NULL when there is no such
 * application, else `{ application, tasks }` as `row_to_json` gives them.
 */
export const READ_FOR_EVENT: NamedStatement = {
  name: 'pa_event_read',
  text: `SELECT json_build_object(
    'application', row_to_json(a),
    'tasks', COALESCE((SELECT json_agg(t) FROM tasks t WHERE t.application_id = a.id), '[]'::json)) AS state
  FROM applications a
 WHERE a.id = COALESCE($1::uuid, (SELECT application_id FROM tasks WHERE id = $2::uuid))`,
};

/**
 * READ_FOR_EVENT under the application's row lock, for an event's last turn when others kept writing between its
 * reads and writes (EventExecutor.apply): `pa_lock_for_event` (migration EventLockAndRead) locks the row and then
 * reads it with its tasks in a statement of its own, in one round trip. One statement would not do: one that waited
 * for the lock sees the locked row as its holder committed it, but anything else it reads (a subquery on tasks
 * included) from the snapshot it started with, before that commit. Inside a transaction only.
 */
export const LOCK_AND_READ: NamedStatement = {
  name: 'pa_event_lock_and_read',
  text: `SELECT pa_lock_for_event($1::uuid, $2::uuid) AS state`,
};

// Each part writes only if the application's row did (\`app\`): a write planned from a revision since replaced
// leaves everything as it was.
const TASKS_AND_HISTORY = `
  new_tasks AS (
    INSERT INTO tasks SELECT * FROM json_populate_recordset(NULL::tasks, $2::json) WHERE EXISTS (SELECT 1 FROM app)),
  changed_tasks AS (
    UPDATE tasks t SET status = u.status, due_at = u.due_at, due_beyond_calendar = u.due_beyond_calendar,
      remind_at = u.remind_at, decided_at = u.decided_at, decided_by = u.decided_by,
      decided_by_officer = u.decided_by_officer, overdue = u.overdue, reminded = u.reminded,
      rule_pending = u.rule_pending, signoffs = u.signoffs, comment = u.comment, claimed_by = u.claimed_by,
      signoff_required = u.signoff_required
    FROM json_populate_recordset(NULL::tasks, $3::json) u
    -- Bounded by the application ($1), whose tasks these all are: PostgreSQL takes the function for a hundred
    -- rows and, matched by id alone, would rather scan the whole table than probe its index a hundred times.
    WHERE t.application_id = ($1::json->>'id')::uuid AND t.id = u.id AND EXISTS (SELECT 1 FROM app)),
  entries AS (
    INSERT INTO history SELECT * FROM json_populate_recordset(NULL::history, $4::json) WHERE EXISTS (SELECT 1 FROM app))`;

/**
 * Rows another module appends in the event's own write (the ledger's row of the answer to an officer's action): a
 * data-modifying CTE over its rows, which travel as one JSON parameter. It saves the round trip a statement of its
 * own would cost inside the transaction, and it stands or falls with the event's write.
 */
export interface Appendix {
  /** Names the CTE (and so the prepared statement that carries it); one name, one text. */
  name: string;
  /** Run once the write has applied and committed (a write planned from a stale read is planned again). */
  onCommit?: () => void;
  /**
   * The CTE's text, given an expression for its rows (\`jsonb\`). The expression is NULL when the event's write does
   * not apply, so the CTE must write nothing for NULL (as \`jsonb_to_recordset\` does).
   */
  cte: (rows: string) => string;
  rows: unknown[];
}

/**
 * A submission. The planner used the latest version this process knew of, read without a query; the insert
 * happens only if no later version exists when the statement runs (so never against a version already replaced),
 * and returns `written` 0 otherwise, for the caller to load the latest version and plan again.
 */
const INSERT_ALL: NamedStatement = {
  name: 'pa_event_insert',
  text: `WITH
  app AS (
    INSERT INTO applications SELECT n.* FROM json_populate_record(NULL::applications, $1::json) n
     WHERE NOT EXISTS (
       SELECT 1 FROM workflow_versions v WHERE v.key = n.workflow_key AND v.version > n.workflow_version)
    RETURNING id),
  new_tasks AS (
    INSERT INTO tasks SELECT t.* FROM json_populate_recordset(NULL::tasks, $2::json) t WHERE EXISTS (SELECT 1 FROM app)),
  entries AS (
    INSERT INTO history SELECT h.* FROM json_populate_recordset(NULL::history, $3::json) h
     WHERE EXISTS (SELECT 1 FROM app))
SELECT count(*)::int AS written FROM app`,
};

/**
 * The application's row, written only if its revision is still the one the plan was made from (each applied event
 * adds one): the compare-and-set that stands in for a lock held from the read to the write. In READ COMMITTED, an
 * UPDATE that waits for a concurrent writer checks its WHERE again against the row that writer committed.
 */
const UPDATE_WITH = `WITH
  app AS (
    UPDATE applications a SET status = n.status, snapshot = n.snapshot, produced = n.produced, revision = n.revision,
      decided_at = n.decided_at, expected_by = n.expected_by, history_seq = n.history_seq,
      history_hash = n.history_hash, correction_due_at = n.correction_due_at, waiting = n.waiting,
      data = COALESCE(n.data, a.data), pii_key = CASE WHEN n.data IS NULL THEN a.pii_key ELSE n.pii_key END
    FROM json_populate_record(NULL::applications, $1::json) n WHERE a.id = n.id AND a.revision = n.revision - 1
    RETURNING a.id),`;

const UPDATE_ALL: NamedStatement = {
  name: 'pa_event_update',
  text: `${UPDATE_WITH}${TASKS_AND_HISTORY}
SELECT count(*)::int AS written FROM app`,
};

/**
 * An event's write for an application that does not exist: it writes nothing, and leaves its connection with the
 * statement prepared and the tables it writes cached (openConnections).
 */
export const IDLE_WRITE = {
  statement: UPDATE_ALL,
  values: [JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', revision: 1 }), '[]', '[]', '[]'],
};

/** UPDATE_ALL with an appendix, one statement per appendix name. */
const withAppendix = new Map<string, NamedStatement>();

function updateWith(appendix: Appendix): NamedStatement {
  let statement = withAppendix.get(appendix.name);
  if (!statement) {
    statement = {
      name: `pa_event_update_${appendix.name}`,
      text: `${UPDATE_WITH}${TASKS_AND_HISTORY},
  appended AS (${appendix.cte('(SELECT $5::jsonb FROM app)')})
SELECT count(*)::int AS written FROM app`,
    };
    withAppendix.set(appendix.name, statement);
  }
  return statement;
}

/** The application's data as stored (personal values sealed) and the wrapped key that opens it. */
export interface StoredData {
  data: Record<string, unknown>;
  piiKey: unknown;
}

/**
 * Every write of a plan as one statement: the application, new and changed tasks, and the history entries.
 * `stored` is the data as it is stored, given when the data is written (a submission or a resubmission); the key
 * travels with it, and an update that keeps the data keeps the stored key (which rotation may have re-wrapped).
 */
export function writeStatement(
  plan: Plan,
  stored?: StoredData,
  appendix?: Appendix,
): { statement: NamedStatement; parameters: string[] } {
  // The write finds changed tasks through their application, so one of another application would be missed.
  if (plan.updateTasks.some((t) => t.applicationId !== plan.state.application.id))
    throw new Error("a plan changes its own application's tasks only");
  const record = applicationRecord(plan.state.application, stored);
  const history = JSON.stringify(plan.history.map(historyRecord));
  const insertTasks = JSON.stringify(plan.insertTasks.map(taskRecord));
  // A new application has no task to change (and no officer's answer to record).
  if (plan.insertApplication)
    return { statement: INSERT_ALL, parameters: [JSON.stringify(record), insertTasks, history] };
  const parameters = [
    JSON.stringify(changedColumns(record, plan.dataChanged && stored !== undefined)),
    insertTasks,
    JSON.stringify(plan.updateTasks.map(taskRecord)),
    history,
  ];
  if (!appendix) return { statement: UPDATE_ALL, parameters };
  return { statement: updateWith(appendix), parameters: [...parameters, JSON.stringify(appendix.rows)] };
}

/**
 * The state a read would find once `state` has been written with its data as `stored`: the records the write sends,
 * as READ_FOR_EVENT's rows give them back, so an event planned from it is planned from what the database holds
 * (logically: the order of keys inside JSON columns and of the tasks may differ, as it may between two reads). The
 * JSON columns are copied as a trip through JSON would give them (`jsonCopy`: absent values dropped), without the
 * text; the rest are scalars, and timestamps, which the row gives as text, `rowsToState` reads from dates the same.
 * Nothing but the frozen snapshot is shared with `state`. Null when the JSON columns' strings and keys, the tasks'
 * comments and the values a first countersignature gave pass `maxLength` characters.
 */
export function asStored(
  state: ApplicationState,
  stored: StoredData,
  maxLength: number,
): ApplicationState | null {
  let weight = 0;
  const json = (value: unknown): unknown => {
    const copied = jsonCopy(value);
    weight += copied.weight;
    return copied.copy;
  };
  const application = applicationRecord(state.application, stored);
  const row = {
    ...application,
    data: json(application.data),
    produced: json(application.produced),
    // The planner's snapshots are already as a read gives them, and frozen (`describe` in workflow-machine.util):
    // shared, so that the next event starts from the statechart snapshot it was made from.
    snapshot: Object.isFrozen(application.snapshot) ? application.snapshot : json(application.snapshot),
    waiting: json(application.waiting),
    tasks: state.tasks.map((task) => {
      const record = taskRecord(task);
      // Officers' comments run to thousands of characters, on each of up to hundreds of tasks.
      weight += record.comment?.length ?? 0;
      return { ...record, signoffs: json(record.signoffs) };
    }),
  };
  // A shared snapshot is held as long as the state is: the first countersignature's values in it are a request body.
  const signedValues = (application.snapshot as { context?: EngineContext }).context?.signedValues;
  if (signedValues !== undefined && Object.isFrozen(application.snapshot))
    weight += jsonCopy(signedValues).weight;
  return weight > maxLength ? null : rowsToState(row);
}

function applicationRecord(a: ApplicationRow, stored: StoredData | undefined) {
  return {
    id: a.id,
    workflow_key: a.workflowKey,
    workflow_version: a.workflowVersion,
    applicant_id: a.applicantId,
    status: a.status,
    data: stored?.data ?? a.data,
    produced: a.produced,
    snapshot: a.snapshot,
    revision: a.revision,
    submitted_at: a.submittedAt,
    decided_at: a.decidedAt,
    expected_by: a.expectedBy,
    history_seq: a.historySeq,
    history_hash: a.historyHash,
    correction_due_at: a.correctionDueAt,
    waiting: a.waiting,
    pii_key: stored?.piiKey ?? null,
  };
}

/**
 * What an event may change on an existing application: identity columns stay as they are, and the data (with its
 * key) travels only when a resubmission changed it (absent, the statement keeps the stored data and key).
 */
function changedColumns(record: ReturnType<typeof applicationRecord>, dataChanged: boolean) {
  const {
    workflow_key: _k,
    workflow_version: _v,
    applicant_id: _a,
    data,
    submitted_at: _s,
    pii_key,
    ...changed
  } = record;
  return dataChanged ? { ...changed, data, pii_key } : changed;
}

function taskRecord(t: TaskRow) {
  return {
    id: t.id,
    application_id: t.applicationId,
    workflow_key: t.workflowKey,
    workflow_version: t.workflowVersion,
    step: t.step,
    attempt: t.attempt,
    department: t.department,
    status: t.status,
    opened_at: t.openedAt,
    due_at: t.dueAt,
    due_beyond_calendar: t.dueBeyondCalendar,
    remind_at: t.remindAt,
    decided_at: t.decidedAt,
    decided_by: t.decidedBy,
    decided_by_officer: t.decidedByOfficer,
    overdue: t.overdue,
    reminded: t.reminded,
    rule_pending: t.rulePending,
    signoffs: t.signoffs,
    comment: t.comment,
    claimed_by: t.claimedBy,
    signoff_required: t.signoffRequired,
  };
}

function historyRecord(h: HistoryRow) {
  return {
    application_id: h.applicationId,
    seq: h.seq,
    at: h.at,
    actor_role: h.actor.role,
    actor_id: h.actor.id,
    type: h.type,
    step: h.step,
    detail: h.detail,
    prev_hash: h.prevHash,
    hash: h.hash,
  };
}

const date = (value: unknown): Date => new Date(value as string | Date);
const dateOrNull = (value: unknown): Date | null => (value === null ? null : date(value));

/** The row as the planner reads it; tasks arrive as JSON, with timestamps as text. */
export function rowsToState(row: Record<string, unknown>): ApplicationState {
  return {
    application: applicationFromRow(row),
    tasks: (row.tasks as Record<string, unknown>[]).map(taskFromJson),
  };
}

/** An application row by its column names: timestamps as dates (a plain SELECT) or as text (`row_to_json`). */
export function applicationFromRow(row: Record<string, unknown>): ApplicationRow {
  return {
    id: row.id as string,
    workflowKey: row.workflow_key as string,
    workflowVersion: row.workflow_version as number,
    applicantId: row.applicant_id as string,
    status: row.status as ApplicationRow['status'],
    data: row.data as Record<string, unknown>,
    produced: row.produced as Record<string, unknown>,
    snapshot: row.snapshot as Record<string, unknown>,
    revision: row.revision as number,
    submittedAt: date(row.submitted_at),
    decidedAt: dateOrNull(row.decided_at),
    expectedBy: dateOrNull(row.expected_by),
    historySeq: row.history_seq as number,
    historyHash: row.history_hash as string,
    correctionDueAt: dateOrNull(row.correction_due_at),
    waiting: (row.waiting ?? []) as ApplicationRow['waiting'],
  };
}

/** A task row as `row_to_json` / `json_agg` give it: column names, timestamps as text. */
export function taskFromJson(t: Record<string, unknown>): TaskRow {
  return {
    id: t.id as string,
    applicationId: t.application_id as string,
    workflowKey: t.workflow_key as string,
    workflowVersion: t.workflow_version as number,
    step: t.step as string,
    attempt: t.attempt as number,
    department: t.department as string,
    status: t.status as TaskRow['status'],
    openedAt: date(t.opened_at),
    dueAt: date(t.due_at),
    dueBeyondCalendar: t.due_beyond_calendar as boolean,
    remindAt: dateOrNull(t.remind_at),
    decidedAt: dateOrNull(t.decided_at),
    decidedBy: t.decided_by as TaskRow['decidedBy'],
    decidedByOfficer: t.decided_by_officer as string | null,
    overdue: t.overdue as boolean,
    reminded: t.reminded as boolean,
    rulePending: t.rule_pending as boolean,
    signoffs: t.signoffs as TaskRow['signoffs'],
    comment: t.comment as string | null,
    claimedBy: (t.claimed_by ?? null) as string | null,
    signoffRequired: (t.signoff_required ?? null) as number | null,
  };
}
