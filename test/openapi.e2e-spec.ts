import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OpenApiValidator } from './support/openapi-validator.js';
import type { OpenApiDocument } from './support/openapi-validator.js';
import { TestApp } from './support/test-app.js';

type Operation = {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string; type?: string } }> }>;
};

const COMMITTED = join(import.meta.dirname, '..', 'docs', 'api', 'openapi.json');

/** What /docs-json says about each operation's answers: real success statuses and problem+json errors. */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;
  let served: unknown;
  beforeAll(async () => {
    t = await TestApp.start();
    const reply = await t.request('GET', '/docs-json');
    expect(reply.status).toBe(200);
    served = reply.body;
    paths = reply.body.paths;
  });

  const operations = () =>
    Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ operation: `${method.toUpperCase()} ${path}`, op })),
    );

  it('is the document committed in docs/api/openapi.json (npm run openapi:generate writes it)', async () => {
    expect(served).toEqual(JSON.parse(await readFile(COMMITTED, 'utf8')));
  });

  it('gives every operation a success answer with a typed body, or none (204, 304)', () => {
    const untyped = operations().flatMap(({ operation, op }) => {
      const successes = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      if (successes.length === 0) return [`${operation}: no 2xx answer`];
      return successes.flatMap(([status, response]) => {
        if (status === '204') return response.content ? [`${operation} ${status}: a body on 204`] : [];
        if (!response.content) return [`${operation} ${status}: no body described`];
        return Object.entries(response.content)
          .filter(([, media]) => {
            const schema = media.schema ?? {};
            // A reference to a DTO, an array of them, or text (Mermaid, CSV, Prometheus, event streams).
            return schema.$ref === undefined && schema.type !== 'array' && schema.type !== 'string';
          })
          .map(([mediaType]) => `${operation} ${status} ${mediaType}: untyped`);
      });
    });
    expect(untyped).toEqual([]);
  });

  it('names the security of every operation: bearer, or none for the public ones', () => {
    const unnamed = operations()
      .filter(({ op }) => op.security === undefined)
      .map(({ operation }) => operation);
    expect(unnamed).toEqual([]);
    const publicOnes = operations()
      .filter(({ op }) => op.security?.length === 0)
      .map(({ operation }) => operation);
    expect(publicOnes.sort()).toEqual([
      'GET /api/v1/audit/public-key',
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
    ]);
  });

  it('refuses, in the walk validator, an answer the document does not describe', () => {
    const validator = new OpenApiValidator(served as OpenApiDocument);
    const task = { method: 'GET', path: '/api/v1/tasks/{id}', contentType: 'application/json' };
    expect(validator.check({ ...task, status: 200, body: { id: 'x' } })).not.toEqual([]);
    expect(validator.check({ ...task, status: 418, body: {} })).toEqual([
      expect.stringContaining('status not documented'),
    ]);
    expect(validator.check({ ...task, status: 200, contentType: 'text/html', body: '' })).toEqual([
      expect.stringContaining('media type text/html not documented'),
    ]);
    const problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No task', errors: [] };
    expect(
      validator.check({ ...task, status: 404, contentType: 'application/problem+json', body: problem }),
    ).toEqual([]);
    // A field the document does not name is drift too: the DTOs list every field they answer.
    expect(
      validator.check({
        ...task,
        status: 404,
        contentType: 'application/problem+json',
        body: { ...problem, code: 'not_found' },
      }),
    ).toEqual([expect.stringContaining('must NOT have additional properties')]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents the decision as 200, as it answers, and submission as 201', () => {
    const decision = paths['/api/v1/tasks/{id}/decision']!.post!;
    expect(Object.keys(decision.responses)).toContain('200');
    expect(Object.keys(decision.responses)).not.toContain('201');
    expect(Object.keys(paths['/api/v1/applications']!.post!.responses)).toContain('201');
  });

  it('lists a problem+json 401 for every authenticated operation', () => {
    const authenticated = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => ({ path, method, op })),
      )
      // Public by design: anyone may fetch the key that verifies the audit checkpoints.
      .filter(({ path }) => path !== '/api/v1/audit/public-key');
    expect(authenticated.length).toBeGreaterThanOrEqual(15);
    for (const { path, method, op } of authenticated) {
      const unauthorized = op.responses['401'];
      expect({ path, method, has401: unauthorized !== undefined }).toEqual({ path, method, has401: true });
      expect({ path, method, schema: unauthorized!.content?.['application/problem+json']?.schema }).toEqual({
        path,
        method,
        schema: { $ref: '#/components/schemas/ProblemDto' },
      });
    }
  });
});
