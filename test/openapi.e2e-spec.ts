import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApp } from './support/test-app.js';

type Operation = {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

/** What /docs-json says about each operation's answers: real success statuses and problem+json errors. */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    t = await TestApp.start();
    const reply = await t.request('GET', '/docs-json');
    expect(reply.status).toBe(200);
    paths = reply.body.paths;
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
      // The audit calls describe their problems in their own way (their controller's own decorators).
      if (!path.startsWith('/api/v1/audit/')) {
        expect(unauthorized!.content!['application/problem+json']!.schema).toBeDefined();
      }
    }
  });
});
