/**
 * `npm run bench:routes`: what one request of each kind costs, in CPU, this service against the floor.
 *
 *   npm run bench:routes -- [--servers floor,svc-redis,svc-pg] [--count 300] [--json[=FILE]]
 *
 * `npm run bench` says how much load a server carries; this says where its CPU goes. For each server: a fresh
 * database on one embedded PostgreSQL, a fresh server process (bench/servers.util.ts), the bench's workflow, and
 * then one phase per route, four requests in flight, with the CPU of the server's process tree and of PostgreSQL's
 * read from /proc before and after the phase. The phases run twice on new applications: the first round warms the
 * process up (V8 compiles the request path as it runs) and is reported apart, the second is the steady state.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  adminQuery,
  alignColumns,
  exitOnBadOption,
  hostFacts,
  loadAverage,
  log,
  nodeArgs,
  nodeArgsLine,
  readFlags,
  runName,
  writeJson,
} from './bench.util.js';
import { BENCH_WORKFLOW, request, signJwt } from './load.util.js';
import { cpuOfTrees, onBenchPostgres, SECRET, serverKind, withServer } from './servers.util.js';
import type { BenchPostgres, ServerRun } from './servers.util.js';

const HELP = `npm run bench:routes -- [options]

  --servers LIST   any of floor, svc-pg, svc-redis (default floor,svc-redis,svc-pg)
  --count N        requests per route and round (polls: three times as many), default 300
  --port N         the port the servers listen on (default 3400)
  --json[=FILE]    also print the results as JSON (to stdout, or to FILE)
  --cpu-prof DIR   run the servers with node --cpu-prof, writing their profiles to DIR/service and DIR/floor; the
                   phases run one after another, so a profile's time line shows them in the order printed
  --node-args FLAGS
                   node and V8 flags for the service's processes, one string (the floor runs without them)

  REDIS_URL (default redis://127.0.0.1:6379) for svc-redis.`;

interface Options {
  servers: string[];
  count: number;
  port: number;
  json: string | true | undefined;
  redisUrl: string;
  cpuProfDir: string | undefined;
  nodeArgs: string[];
}

function parse(argv: string[]): Options {
  const options: Options = {
    servers: ['floor', 'svc-redis', 'svc-pg'],
    count: 300,
    port: 3400,
    json: undefined,
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    cpuProfDir: undefined,
    nodeArgs: [],
  };
  return exitOnBadOption(HELP, options, () =>
    readFlags(argv, HELP, ({ flag, inline, value, int }) => {
      if (flag === '--servers') {
        options.servers = value().split(',').filter(Boolean);
        // One process per server: a second API process would split the CPU this compares.
        const bad = options.servers.find((s) => {
          const kind = serverKind(s);
          return kind === null || (!kind.floor && kind.apis !== 1);
        });
        if (bad !== undefined) throw new Error(`unknown server ${bad}`);
      } else if (flag === '--count') options.count = int();
      else if (flag === '--port') options.port = int();
      else if (flag === '--json') options.json = inline ?? true;
      else if (flag === '--cpu-prof') options.cpuProfDir = value();
      else if (flag === '--node-args') options.nodeArgs = nodeArgs(value());
      else return false;
      return true;
    }),
  );
}

/** One route's phase: CPU per request of the server's process tree and of PostgreSQL's, and wall time. */
interface Phase {
  server: string;
  round: 'first' | 'steady';
  route: string;
  requests: number;
  serverMs: number;
  postgresMs: number;
  wallMs: number;
}

const IN_FLIGHT = 4;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The bench's routes, each as the load generator calls it, on applications of their own per round. */
async function measureServer(
  name: string,
  pg: BenchPostgres,
  options: Options,
  run: string,
): Promise<Phase[]> {
  const label = `${run}_${name.replace(/\W/g, '_')}`;
  const serverOptions = {
    redisUrl: options.redisUrl,
    cpuProfDir: options.cpuProfDir,
    nodeArgs: options.nodeArgs,
  };
  return withServer({ name, label, pg, port: options.port, options: serverOptions }, async (started) =>
    measureRoutes(name, pg, options, started),
  );
}

async function measureRoutes(
  name: string,
  pg: BenchPostgres,
  options: Options,
  { server, databaseUrl }: ServerRun,
): Promise<Phase[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const base = server.bases[0]!;
  const call = (method: string, path: string, bearer: string, body?: unknown, headers = {}) =>
    request(agent, base, { method, path, bearer, body, headers });
  const expect = (what: string, status: number | string, wanted: number) => {
    if (status !== wanted) throw new Error(`${name}: ${what} answered ${status}, not ${wanted}`);
  };
  const phases: Phase[] = [];
  const phase = async (
    round: Phase['round'],
    route: string,
    requests: number,
    one: (i: number) => Promise<void>,
  ) => {
    const pids = server.children.map((c) => c.pid!);
    const [server0, pg0, wall0] = [cpuOfTrees(pids), cpuOfTrees([pg.pid()]), performance.now()];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < requests) await one(next++);
      }),
    );
    const per = (ms: number) => round2(ms / requests);
    phases.push({
      server: name,
      round,
      route,
      requests,
      serverMs: per((cpuOfTrees(pids) - server0) * 1000),
      postgresMs: per((cpuOfTrees([pg.pid()]) - pg0) * 1000),
      wallMs: per(performance.now() - wall0),
    });
  };
  const taskIds = async (step: string, applications: string[]) =>
    (
      await adminQuery(databaseUrl, 'SELECT id FROM tasks WHERE step = $1 AND application_id = ANY($2)', [
        step,
        applications,
      ])
    ).rows.map((r: { id: string }) => r.id);
  try {
    const admin = signJwt({ sub: 'bench-admin', role: 'admin' }, SECRET);
    const registered = await call('POST', '/api/v1/workflows', admin, BENCH_WORKFLOW);
    if (registered.status !== 201 && registered.status !== 200)
      throw new Error(`${name}: registering the workflow answered ${registered.status}`);
    const officer = (department: string) =>
      signJwt({ sub: `officer-${department}`, role: 'officer', department }, SECRET);
    for (const round of ['first', 'steady'] as const) {
      const applications: { id: string; token: string; etag: string }[] = [];
      const count = options.count;
      await phase(round, 'submit', count, async (i) => {
        const token = signJwt({ sub: `applicant-${round}-${i}`, role: 'applicant' }, SECRET);
        // Thirty seats or more: fire safety waits for its officer, so each phase's work is the same on every server.
        const data = {
          applicant: { name: `A ${i}`, idNumber: `ID${i}` },
          address: `${i} Bench Road`,
          seats: 30 + (i % 70),
        };
        const reply = await call('POST', '/api/v1/applications', token, {
          workflow: BENCH_WORKFLOW.key,
          data,
        });
        expect('POST /applications', reply.status, 201);
        applications.push({ id: (reply.json as { id: string }).id, token, etag: reply.etag ?? '' });
      });
      const poll = (expected: number) => async (i: number) => {
        const a = applications[i % applications.length]!;
        const reply = await call('GET', `/api/v1/applications/${a.id}`, a.token, undefined, {
          'if-none-match': a.etag,
        });
        expect('GET /applications/{id}', reply.status, expected);
      };
      await phase(round, 'poll, unchanged (304)', 3 * count, poll(304));
      await phase(round, 'inbox, a full page of 50', count, async () => {
        const reply = await call('GET', '/api/v1/tasks?status=open&limit=50', officer('health'));
        expect('GET /tasks', reply.status, 200);
      });
      const ids = applications.map((a) => a.id);
      const decide = (department: string, tasks: string[]) => async (i: number) => {
        const reply = await call('POST', `/api/v1/tasks/${tasks[i]}/decision`, officer(department), {
          outcome: 'approve',
        });
        expect('POST /tasks/{id}/decision', reply.status, 200);
      };
      const health = await taskIds('health-permit', ids);
      await phase(round, 'decision', health.length, decide('health', health));
      const licence = await taskIds('business-licence', ids);
      await phase(round, 'decision opening a step', licence.length, decide('market-regulation', licence));
      await phase(round, 'poll, changed (200)', count, poll(200));
    }
    return phases;
  } finally {
    agent.destroy();
  }
}

/** Per route and round: each server's CPU per request, and against the floor's the same round. */
function table(phases: Phase[]): string {
  const floor = (p: Phase) =>
    phases.find((f) => f.server === 'floor' && f.round === p.round && f.route === p.route);
  const header = [
    'route',
    'round',
    'server',
    'requests',
    'server ms',
    'pg ms',
    'total ms',
    'x floor',
    'wall ms',
  ];
  const rows = [...phases]
    .sort((a, b) => (a.round === b.round ? 0 : a.round === 'steady' ? -1 : 1))
    .map((p) => {
      const f = floor(p);
      const total = p.serverMs + p.postgresMs;
      const ratio =
        f && f.serverMs + f.postgresMs > 0 ? `${(total / (f.serverMs + f.postgresMs)).toFixed(2)}x` : '';
      return [
        p.route,
        p.round,
        p.server,
        String(p.requests),
        p.serverMs.toFixed(2),
        p.postgresMs.toFixed(2),
        round2(total).toFixed(2),
        ratio,
        p.wallMs.toFixed(2),
      ];
    });
  const lines = alignColumns([header, ...rows], ' | ');
  return [lines[0]!, lines[0]!.replace(/[^|]/g, '-'), ...lines.slice(1)].join('\n');
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const run = runName('routes');
  const phases: Phase[] = [];
  const { failed } = await onBenchPostgres(run, async (pg) => {
    for (const server of options.servers) {
      const measured = await measureServer(server, pg, options, run);
      for (const p of measured.filter((m) => m.round === 'steady'))
        log(`${server} ${p.route}: server ${p.serverMs} ms, PostgreSQL ${p.postgresMs} ms per request`);
      phases.push(...measured);
    }
  });
  const facts = { ...hostFacts(), node: process.version, loadAverage: loadAverage() };
  process.stdout.write(
    [
      `machine: ${facts.cores} cores, ${facts.cpu}, ${facts.memoryGiB} GiB, Node ${facts.node}, load average ${facts.loadAverage.join(' ')}`,
      ...nodeArgsLine(options.nodeArgs),
      `CPU per request from /proc (server process tree, PostgreSQL's), ${IN_FLIGHT} requests in flight; "first" is a fresh process's first round`,
      '',
      phases.length ? table(phases) : '(no results)',
      '',
    ].join('\n'),
  );
  writeJson(options.json, {
    run,
    date: new Date().toISOString(),
    machine: facts,
    nodeArgs: options.nodeArgs,
    phases,
  });
  process.exit(failed ? 1 : 0);
}

await main();
