/**
 * bench/reports: how long `GET /api/v1/reports/workflows/{key}` takes on N applications (default 100,000) of the
 * shipped open-restaurant workflow, next to a baseline measured in the same run: one plain scan that reads the same
 * applications and tasks (`count(*)` over their join).
 *
 *   node --import ./scripts/register-ts.mjs bench/reports.ts [--applications 100000] [--runs 5]
 *
 * The real app (createApp on 127.0.0.1:0, queues on PostgreSQL) on a fresh database on BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres, local only), dropped at the end. The rows are bulk-inserted by SQL
 * generate_series with realistic shapes: 70 % approved, 10 % rejected, 15 % in review, 3 % returned for correction,
 * 2 % withdrawn; conditional steps skipped at the workflow's rates; a dependant opens when its prerequisite is
 * decided; 8 % of decisions deemed on timeout, 5 % by rule.
 */
import 'reflect-metadata';
import { SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../src/app.factory.js';
import { DefinitionsService } from '../src/definitions/definitions.service.js';
import { WORKFLOW_REPORT_SETTINGS, WORKFLOW_REPORT_SQL } from '../src/reports/reports.service.js';
import {
  adminQuery,
  benchRuntimeConfig,
  commonDefaults,
  helpText,
  log,
  parseOptions,
  percentile,
  RunDatabases,
  runName,
} from './bench.util.js';
import type { CommonOptions } from './bench.util.js';

interface Options extends CommonOptions {
  applications: number;
  runs: number;
  explain: boolean;
}

const HELP = helpText(
  'bench/reports: the workflow report on N applications, against a plain scan of the same rows',
  `  --applications N     applications to insert (default 100000)
  --runs R             timed runs of each query after one warm-up (default 5)
  --explain            also print EXPLAIN (ANALYZE, BUFFERS) of the report's statement`,
  1800,
);

/** One statement: N applications of open-restaurant and their tasks, timings drawn at random per application. */
const INSERT_SQL = `
WITH base AS (
  SELECT gen_random_uuid() AS id, g,
         timestamptz '2026-01-05 01:00Z' + g * interval '2 minutes' AS sub,
         random() AS r,
         (4 * 3600 + random() * 3 * 86400)::int AS d_licence,
         (86400 + random() * 10 * 86400)::int AS d_food,
         (86400 + random() * 9 * 86400)::int AS d_fire,
         (86400 + random() * 8 * 86400)::int AS d_env,
         (86400 + random() * 6 * 86400)::int AS d_drain,
         (86400 + random() * 4 * 86400)::int AS d_sign,
         (86400 + random() * 9 * 86400)::int AS d_health,
         (86400 + random() * 4 * 86400)::int AS d_alcohol,
         random() < 0.5 AS env, random() < 0.6 AS sign, random() < 0.3 AS alcohol
  FROM generate_series(1, $1::int) g
),
shaped AS (
  SELECT *, CASE WHEN r < 0.70 THEN 'approved' WHEN r < 0.80 THEN 'rejected' WHEN r < 0.95 THEN 'in_review'
                 WHEN r < 0.98 THEN 'correction_requested' ELSE 'withdrawn' END AS status
  FROM base
),
steps AS (
  SELECT s.id AS application_id, s.status AS app_status, s.sub, s.d_licence, v.*
  FROM shaped s
  CROSS JOIN LATERAL (VALUES
    ('business-licence', 'market-regulation', 0, s.d_licence, 3, true, true),
    ('food-business-licence', 'market-regulation', s.d_licence, s.d_food, 10, true, false),
    ('fire-safety-inspection', 'fire-rescue', 0, s.d_fire, 10, true, true),
    ('environmental-assessment', 'ecology-environment', 0, s.d_env, 10, s.env, true),
    ('drainage-permit', 'water-affairs', s.d_licence, s.d_drain, 7, true, false),
    ('signage-permit', 'urban-management', s.d_licence, s.d_sign, 5, s.sign, false),
    ('public-health-permit', 'health-commission', 0, s.d_health, 10, true, true),
    ('alcohol-retail-filing', 'commerce', s.d_licence + s.d_food, s.d_alcohol, 5, s.alcohol, false)
  ) AS v(step, department, start_s, duration_s, limit_days, included, root)
  WHERE v.included
),
task_rows AS (
  -- approved: every step decided; rejected: the licence refused, the other roots cancelled with it;
  -- in review and withdrawn: roots open or cancelled; correction requested: the licence returned.
  SELECT application_id, step, department, sub + start_s * interval '1 second' AS opened_at,
         sub + (start_s + limit_days * 1.4 * 86400) * interval '1 second' AS due_at,
         CASE
           WHEN app_status = 'approved' THEN 'approved'
           WHEN app_status = 'rejected' AND step = 'business-licence' THEN 'rejected'
           WHEN app_status = 'correction_requested' AND step = 'business-licence' THEN 'returned'
           WHEN app_status IN ('rejected', 'withdrawn') THEN 'cancelled'
           ELSE 'open' END AS status,
         CASE
           WHEN app_status = 'approved' THEN sub + (start_s + duration_s) * interval '1 second'
           WHEN app_status IN ('rejected', 'correction_requested', 'withdrawn')
             THEN sub + d_licence * interval '1 second'
           END AS decided_at
  FROM steps
  WHERE root OR app_status = 'approved'
),
inserted_tasks AS (
  INSERT INTO tasks (application_id, workflow_key, workflow_version, step, attempt, department, status, opened_at, due_at, decided_at,
                     decided_by, signoffs)
  SELECT application_id, 'open-restaurant', 1, step, 1, department, status, opened_at, due_at, decided_at,
         CASE WHEN status NOT IN ('approved', 'rejected', 'returned') THEN NULL
              WHEN random() < 0.08 THEN 'timeout' WHEN random() < 0.05 THEN 'rule' ELSE 'officer' END,
         '[]'::jsonb
  FROM task_rows
  RETURNING 1
)
INSERT INTO applications (id, workflow_key, workflow_version, applicant_id, status, data, produced, snapshot,
                          submitted_at, decided_at)
SELECT s.id, 'open-restaurant', 1, 'bench-' || (s.g % 5000), s.status, '{}', '{}', '{}', s.sub,
       CASE WHEN s.status = 'approved'
              THEN s.sub + greatest(
                s.d_licence + s.d_food + CASE WHEN s.alcohol THEN s.d_alcohol ELSE 0 END, s.d_fire,
                CASE WHEN s.env THEN s.d_env ELSE 0 END, s.d_licence + s.d_drain,
                CASE WHEN s.sign THEN s.d_licence + s.d_sign ELSE 0 END, s.d_health) * interval '1 second'
            WHEN s.status IN ('rejected', 'withdrawn') THEN s.sub + s.d_licence * interval '1 second' END
FROM shaped s
`;

async function main(): Promise<void> {
  const defaults: Options = { ...commonDefaults(1800), applications: 100_000, runs: 5, explain: false };
  const options: Options = parseOptions<Options>(process.argv.slice(2), HELP, defaults, (flag, int) => {
    if (flag === '--applications') defaults.applications = int(1);
    else if (flag === '--runs') defaults.runs = int(1);
    else if (flag === '--explain') defaults.explain = true;
    else return false;
    return true;
  });
  const run = runName('bench_reports');
  const databases = new RunDatabases(run);
  const databaseUrl = await databases.create(options.databaseUrl, 'db');
  const jwtSecret = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
  // API only: the inserted open tasks are long past due, and the sweep of a worker would act on them meanwhile.
  const app = await createApp({
    ...benchRuntimeConfig('postgres', options, databaseUrl, { run, jwtSecret, queuePrefix: run }),
    processRole: 'api',
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const restaurant: unknown = JSON.parse(
      readFileSync(new URL('../workflows/open-restaurant.json', import.meta.url), 'utf8'),
    );
    await app.get(DefinitionsService).register(restaurant);

    log(`inserting ${options.applications} applications with generate_series…`);
    let t0 = performance.now();
    await adminQuery(databaseUrl, INSERT_SQL, [options.applications]);
    await adminQuery(databaseUrl, 'ANALYZE applications; ANALYZE tasks');
    const { rows } = await adminQuery(
      databaseUrl,
      'SELECT (SELECT count(*) FROM applications)::int AS apps, (SELECT count(*) FROM tasks)::int AS tasks',
    );
    log(`inserted ${JSON.stringify(rows[0])} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setIssuedAt()
      .sign(new TextEncoder().encode(jwtSecret));
    const report = async () => {
      const reply = await fetch(`${base}/api/v1/reports/workflows/open-restaurant`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (reply.status !== 200) throw new Error(`report: ${reply.status} ${await reply.text()}`);
      return (await reply.json()) as {
        applications: { total: number };
        speedup: unknown;
        bottleneck: unknown;
      };
    };
    const scan = () =>
      adminQuery(
        databaseUrl,
        `SELECT count(*) FROM applications a JOIN tasks t ON t.application_id = a.id WHERE a.workflow_key = $1`,
        ['open-restaurant'],
      );

    const time = async (what: () => Promise<unknown>) => {
      await what(); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        t0 = performance.now();
        await what();
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b);
    };
    const reportMs = await time(report);
    const scanMs = await time(scan);
    const sample = await report();
    const median = (ms: number[]) => percentile(ms, 50)!;
    if (options.explain) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query(WORKFLOW_REPORT_SETTINGS); // as the service does, in the statement's transaction
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${WORKFLOW_REPORT_SQL}`, [
          'open-restaurant',
          null,
          null,
        ]);
        console.log(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    }
    log(`report of ${sample.applications.total} applications: speedup ${JSON.stringify(sample.speedup)}`);
    log(`bottleneck ${JSON.stringify(sample.bottleneck).slice(0, 300)}`);
    console.log(
      [
        '',
        `applications   ${options.applications}  (tasks ${(rows[0] as { tasks: number }).tasks})`,
        `report (HTTP)  median ${median(reportMs).toFixed(0)} ms  min ${reportMs[0]!.toFixed(0)}  max ${reportMs.at(-1)!.toFixed(0)}`,
        `baseline scan  median ${median(scanMs).toFixed(0)} ms  (count(*) over the same join)`,
        `ratio          ${(median(reportMs) / median(scanMs)).toFixed(1)} x the baseline`,
      ].join('\n'),
    );
  } finally {
    await app.close();
    await databases.drop(options.databaseUrl, databases.names[0]!);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
