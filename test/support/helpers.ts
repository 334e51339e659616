/**
 * Small helpers several e2e specs share: registering workflows, submitting and viewing applications, finding a task
 * in a department's inbox, and checking problem replies. Each asserts no more and no less than the specs did.
 */
import { expect } from '@jest/globals';
import { QueueService } from '../../src/queue/queue.service.js';
import { eventually } from './eventually.js';
import { ADMIN, applicant, officer } from './test-app.js';
import type { Caller, HttpCaller, Reply, TestApp } from './test-app.js';

export { samples } from './prometheus.js';

const ann = applicant('ann');

// ---------------------------------------------------------------------------------------------------------------
// Workflows

export type Step = Record<string, unknown> & { id: string };

/** A workflow with a one-field form; each step is named after its id and its department is `department(id)`. */
export function simpleWorkflow(
  key: string,
  steps: Step[],
  department: (stepId: string) => string,
  extra: Record<string, unknown> = {},
) {
  return {
    key,
    name: key,
    form: { type: 'object', properties: { note: { type: 'string' } } },
    steps: steps.map((s) => ({ name: s.id, department: department(s.id), ...s })),
    ...extra,
  };
}

/**
 * A one-step workflow (step `stepId` in `department`) that a rule approves when a fact says so. Nothing listens on
 * the discard port: the lookup fails and the rule does not hold, so the task goes to its officers once the rule has
 * spoken, and until then it waits for the rule's job.
 */
export function unreachableFactWorkflow(key: string, department: string, stepId = 'ruled') {
  return {
    key,
    name: key,
    form: { type: 'object', properties: { note: { type: 'string' } } },
    facts: { registry: { url: 'http://127.0.0.1:9/status', timeoutMs: 300 } },
    steps: [
      {
        id: stepId,
        name: stepId,
        department,
        timeLimit: { hours: 24 },
        autoApprove: { '==': [{ var: 'facts.registry.status' }, 'active'] },
      },
    ],
  };
}

/** Registers a definition as admin; a new version (201) or the same one again (200) are both fine. */
export async function registerWorkflow(t: TestApp, definition: Record<string, unknown>): Promise<void> {
  const response = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: definition });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(
      `registering ${String(definition.key)}: ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
}

/** Registers each definition as admin, expecting every one to be new (201). */
export async function registerNew(t: TestApp, definitions: Record<string, unknown>[]): Promise<void> {
  for (const definition of definitions) {
    const reply = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: definition });
    expect(reply.status).toBe(201);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Applications and tasks

/** Submits an application (201 expected) and answers its id. */
export async function submitApplication(
  t: HttpCaller,
  workflow: string,
  data: Record<string, unknown> = {},
  as: Caller = ann,
): Promise<string> {
  const response = await t.request('POST', '/api/v1/applications', { as, body: { workflow, data } });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

/** The ids of an application's tasks, by step. */
export async function taskIds(t: TestApp, applicationId: string): Promise<Record<string, string>> {
  const rows = await t.query<{ id: string; step: string }>(
    'SELECT id, step FROM tasks WHERE application_id = $1',
    [applicationId],
  );
  return Object.fromEntries(rows.map((r) => [r.step, r.id]));
}

/** Rows per table: what a refused request must leave as it was. */
export async function rowCounts(t: TestApp, tables: readonly string[]): Promise<Record<string, number>> {
  const rows = await t.query<{ name: string; n: number }>(
    tables.map((table) => `SELECT '${table}' AS name, count(*)::int AS n FROM ${table}`).join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/** The applicant's view of an application (the body, whatever the status). */
export const viewOf = async (t: TestApp, id: string) =>
  (await t.request('GET', `/api/v1/applications/${id}`, { as: ann })).body;

/** One step of an application's view. */
export const stepOf = (v: any, id: string) => v.steps.find((s: { id: string }) => s.id === id);

/** The item for an application in a department's inbox (`query` such as `?limit=100`), or undefined. */
export async function inboxTask(t: TestApp, department: string, applicationId: string, query = '') {
  const inbox = await t.request('GET', `/api/v1/tasks${query}`, { as: officer(department) });
  return inbox.body.items.find((i: { applicationId: string }) => i.applicationId === applicationId);
}

/**
 * Waits until a queue job has run to completion: the signal that a timer or rule job had its go, instead of a
 * fixed sleep after which nothing is expected to have happened.
 */
export async function jobCompleted(t: TestApp, queue: string, jobId: string): Promise<void> {
  await eventually(
    () => t.app.get(QueueService).queue(queue).getJobState(jobId),
    (state) => state === 'completed',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Problem replies (application/problem+json)

/** A problem reply with the status and the media type, its type, title, status, detail and an `errors` array. */
export function expectProblem(reply: Reply, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      errors: expect.any(Array),
    }),
  );
}

/** `expectProblem`, and every entry of `errors` has a path and a message. */
export function expectProblemWithPaths(reply: Reply, status: number): void {
  expectProblem(reply, status);
  for (const error of reply.body.errors as unknown[]) {
    expect(error).toEqual(expect.objectContaining({ path: expect.any(String), message: expect.any(String) }));
  }
}

/** The paths of a problem reply's errors. */
export function paths(reply: Reply): string[] {
  return (reply.body.errors as { path: string }[]).map((e) => e.path);
}
