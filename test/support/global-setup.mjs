import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

/**
 * Tests need a PostgreSQL server to create their databases on: TEST_DATABASE_URL when given (CI points it at the
 * machine's server), else an embedded one in a fresh folder, so `npm test` works on a machine with only Node and
 * two runs on one machine do not meet. Jest loads this file outside its own transform, hence plain JavaScript and
 * the project's TypeScript hooks.
 */
export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  await import('../../scripts/register-ts.mjs');
  const { startEmbeddedPostgres } = await import('../../src/config/embedded-postgres.ts');
  const dir = mkdtempSync(join(tmpdir(), 'parallel-approvals-test-'));
  const server = await startEmbeddedPostgres(dir);
  if (server.staged !== undefined) process.stderr.write(`\n${server.staged}\n`);
  globalThis.embeddedPostgres = { server, dir };
  process.env.TEST_DATABASE_URL = server.url;
}
