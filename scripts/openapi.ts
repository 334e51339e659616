/**
 * `npm run openapi:generate`: writes the OpenAPI document of the app to docs/api/openapi.json and the TypeScript
 * types generated from it to src/api-client/openapi.d.ts, then lints the document. `--check` (`npm run
 * openapi:check`, in CI) writes nothing and exits 1 when either committed file differs from what the code produces
 * now, or the lint finds anything; `--lint-only` (`npm run openapi:lint`) lints the committed document alone.
 *
 * The app is built in Nest's preview mode: modules and routes are read, no provider is created, so no database,
 * queue or secret is needed and the output depends on the code alone.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { AppModule } from '../src/app.module.js';
import { applyApiPrefix, buildOpenApiDocument } from '../src/common/openapi-document.util.js';
import { loadConfig } from '../src/config/app-config.js';

const ROOT = join(import.meta.dirname, '..');
const DOCUMENT_FILE = join(ROOT, 'docs', 'api', 'openapi.json');
const TYPES_FILE = join(ROOT, 'src', 'api-client', 'openapi.d.ts');

const TYPES_HEADER =
  '// Generated from docs/api/openapi.json by `npm run openapi:generate`: do not edit by hand.\n' +
  '// Use with openapi-fetch: createClient<paths>({ baseUrl }); see docs/api/README.md.\n\n';

async function generate(): Promise<Map<string, string>> {
  // Placeholders: preview mode creates no provider, so nothing connects or signs with these.
  const config = {
    ...loadConfig({}),
    databaseUrl: 'postgres://unused/unused',
    jwtSecret: 'unused',
    auditSigningKey: 'unused',
    queuePrefix: 'unused',
    logLevel: 'error' as const,
    pii: { keyring: { active: 'unused', keys: {} }, retentionDays: undefined },
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter(),
    {
      preview: true,
      logger: ['error'],
      abortOnError: false,
    },
  );
  applyApiPrefix(app);
  const document = buildOpenApiDocument(app);
  await app.close();
  const documentText = `${JSON.stringify(document, null, 2)}\n`;
  const types =
    TYPES_HEADER +
    astToString(
      // A default is what the server assumes when a field is absent: the field stays optional to send.
      await openapiTS(JSON.parse(documentText) as OpenAPI3, { defaultNonNullable: false }),
    );
  return new Map([
    [DOCUMENT_FILE, documentText],
    [TYPES_FILE, types],
  ]);
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

/**
 * `redocly lint` with the recommended rules (redocly.yaml; findings kept on purpose are listed, with the reason, in
 * .redocly.lint-ignore.yaml). A warning fails too, which redocly alone would let pass.
 */
function lint(): boolean {
  const run = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'redocly'),
    ['lint', DOCUMENT_FILE, '--format=json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  const start = run.stdout.indexOf('{');
  if (start < 0) {
    process.stderr.write(`openapi: redocly lint gave no report\n${run.stderr}`);
    return false;
  }
  const report = JSON.parse(run.stdout.slice(start)) as LintReport;
  for (const problem of report.problems) {
    const where = problem.location.map((l) => l.pointer ?? '').join(' ');
    process.stderr.write(`openapi: ${problem.severity} ${problem.ruleId}: ${problem.message} ${where}\n`);
  }
  const { errors, warnings, ignored } = report.totals;
  process.stdout.write(
    `openapi: redocly lint: ${errors} errors, ${warnings} warnings (${ignored} ignored on purpose)\n`,
  );
  return errors + warnings === 0;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  if (process.argv.includes('--lint-only')) process.exit(lint() ? 0 : 1);
  const files = await generate();
  let stale = false;
  for (const [file, text] of files) {
    const relative = file.slice(ROOT.length + 1);
    if (check) {
      const committed = await readFile(file, 'utf8').catch(() => '');
      if (committed !== text) {
        stale = true;
        process.stderr.write(
          `openapi: ${relative} is stale: run \`npm run openapi:generate\` and commit it\n`,
        );
      }
    } else {
      await writeFile(file, text);
      process.stdout.write(`openapi: wrote ${relative}\n`);
    }
  }
  // The committed document is what is linted, so a stale one is reported as stale rather than linted.
  const clean = stale ? false : lint();
  process.exit(clean ? 0 : 1);
}

await main();
