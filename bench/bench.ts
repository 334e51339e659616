/**
 * `npm run bench`: this service against a floor, under the same open-loop load, in one run.
 *
 *   npm run bench -- [--servers floor,svc-pg,svc-redis] [--rates 10,20] [--duration 15] [--drain 10] [--warmup 20]
 *     [--sweep]
 *
 * For each server and rate: a fresh database on one embedded PostgreSQL (fsync and synchronous commit on), fresh
 * server process(es) started as a deployment would start them (`node dist/src/main.js` with NODE_ENV=production;
 * the floor is bench/floor-server.ts), one load run (bench/load.util.ts) and the CPU of the server processes and of
 * PostgreSQL sampled from /proc. Servers:
 *
 *   floor            bench/floor-server.ts: Fastify + pg, the minimal correct writes
 *   svc-pg           the service, queues on PostgreSQL (the embedded default's queue backend)
 *   svc-redis        the service, queues on Redis (REDIS_URL, default redis://127.0.0.1:6379; own key prefix)
 *   svc-pg-2api, svc-redis-2api
 *                    two API processes (PROCESS_ROLE=api) and one worker (PROCESS_ROLE=worker); the load
 *                    goes round-robin to both APIs, as a load balancer would send it
 *
 * See docs/benchmarks.md for what each figure means. Only 127.0.0.1 is driven.
 */
import { performance } from 'node:perf_hooks';
import {
  alignColumns,
  exitOnBadOption,
  hostFacts,
  loadAverage,
  log,
  nodeArgs,
  nodeArgsLine,
  platform,
  runName,
  writeJson,
} from './bench.util.js';
import { LOAD_DEFAULTS, runLoad, TIMELINE_SLICE_S } from './load.util.js';
import type { LoadReport } from './load.util.js';
import {
  cpuOfMainThreads,
  cpuOfTrees,
  SECRET,
  serverKind,
  startBenchPostgres,
  withServer,
} from './servers.util.js';
import type { BenchPostgres } from './servers.util.js';
import { judgeTargets, keptUpWith, sweepInTurn, TARGETS_TEXT } from './sweep.util.js';
import { samples } from '../test/support/prometheus.js';

const HELP = `npm run bench -- [options]

  --servers LIST     any of floor, svc-pg, svc-redis, svc-pg-2api, svc-redis-2api (default floor,svc-pg,svc-redis)
  --rates LIST       offered applications per second, e.g. 10,20,30 (default 10)
  --floor-rates LIST the floor's rates, when they should differ (it saturates far higher; default --rates)
  --duration S       seconds of offered load per rate (default 15; keep it at 20 or less on a shared machine)
  --drain S          seconds to let stragglers finish after the window (default 10)
  --warmup S         first run the same load for S seconds on the same server and database, unmeasured, so the
                     figures are those of a warmed-up process (default 0: a fresh process, the JIT still cold)
  --sweep            per server, stop raising the rate once it completes less than 0.9 x the offered rate, then
                     run once more at 70% of its best completed/s (the latency target's rate); a server behind at
                     its first rate is tried at 0.8 x that rate, up to twice, before its best is read
  --refine N         with --sweep, once a server has kept up at one rate and fallen behind at a higher one, up to N
                     more runs halving the interval between them, so its edge is found to within the grid's step
                     / 2^N (default 0)
  --port N           first port the servers listen on (default 3400)
  --cpu-prof DIR     run the servers with node --cpu-prof, writing their profiles to DIR/service and DIR/floor (open
                     them in Chrome DevTools or speedscope; one per process and run, written when the server stops)
  --node-args FLAGS  node and V8 flags for the service's processes, one string, e.g. "--max-semi-space-size=32"
                     (the floor runs without them); the report names them under the machine's line
  --json[=FILE]      also print every report as JSON (to stdout, or to FILE)

  The servers take turns, one run each, so that a host whose speed drifts weighs on every server alike.

  REDIS_URL (default redis://127.0.0.1:6379) for the svc-redis servers; the build in dist/ is run (npm run bench
  builds first).`;

interface Options {
  servers: string[];
  rates: number[];
  floorRates: number[] | undefined;
  durationS: number;
  drainS: number;
  warmupS: number;
  sweep: boolean;
  refinements: number;
  port: number;
  json: string | true | undefined;
  redisUrl: string;
  cpuProfDir: string | undefined;
  nodeArgs: string[];
}

function parse(argv: string[]): Options {
  const options: Options = {
    servers: ['floor', 'svc-pg', 'svc-redis'],
    rates: [10],
    floorRates: undefined,
    durationS: 15,
    drainS: LOAD_DEFAULTS.drainS,
    warmupS: 0,
    sweep: false,
    refinements: 0,
    port: 3400,
    json: undefined,
    cpuProfDir: undefined,
    nodeArgs: [],
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
  const numbers = (raw: string | undefined, flag: string) => {
    const list = (raw ?? '').split(',').map(Number);
    if (list.length === 0 || list.some((n) => !(n > 0))) throw new Error(`${flag} wants positive numbers`);
    return list;
  };
  return exitOnBadOption(HELP, options, () => {
    for (let i = 0; i < argv.length; i++) {
      const [flag, inline] = argv[i]!.split(/=(.*)/s) as [string, string | undefined];
      const value = () => inline ?? argv[++i];
      switch (flag) {
        case '--servers':
          options.servers = (value() ?? '').split(',').filter(Boolean);
          for (const s of options.servers) if (!serverKind(s)) throw new Error(`unknown server ${s}`);
          break;
        case '--rates':
          options.rates = numbers(value(), flag);
          break;
        case '--floor-rates':
          options.floorRates = numbers(value(), flag);
          break;
        case '--duration':
          options.durationS = numbers(value(), flag)[0]!;
          break;
        case '--drain':
          options.drainS = Number(value());
          break;
        case '--warmup':
          options.warmupS = Number(value());
          if (!(options.warmupS >= 0)) throw new Error('--warmup wants a number of seconds');
          break;
        case '--port':
          options.port = numbers(value(), flag)[0]!;
          break;
        case '--sweep':
          options.sweep = true;
          break;
        case '--refine':
          options.refinements = Number(value());
          if (!Number.isInteger(options.refinements) || options.refinements < 0) {
            throw new Error('--refine wants a whole number of runs');
          }
          break;
        case '--cpu-prof':
          options.cpuProfDir = value();
          break;
        case '--node-args':
          options.nodeArgs = nodeArgs(value());
          break;
        case '--json':
          options.json = inline ?? true;
          break;
        case '--help':
        case '-h':
          console.log(HELP);
          process.exit(0);
          break;
        default:
          throw new Error(`unknown option ${argv[i]}`);
      }
    }
    if (options.refinements > 0 && !options.sweep) throw new Error('--refine needs --sweep');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// One measured run

interface Measured {
  server: string;
  rate: number;
  report: LoadReport;
  /** Mean cores used over the window (from 2 s after its start to its end); the generator's over the whole run. */
  cores: { server: number; postgres: number; generator: number };
  /** CPU of server and PostgreSQL from the window's start to the end of the drain, per approved application. */
  cpuMsPerApplication: number | null;
  /** Of that, the server processes' main threads (the rest is their helper threads, PostgreSQL's and the kernel's). */
  mainThreadMsPerApplication: number | null;
  /** The run at 70% of the server's saturation (found by --sweep). */
  at70?: boolean;
  /** A run off the grid, between the rates the server's edge lies in (--refine). */
  refined?: boolean;
  /**
   * Turns of events planned again because their application changed between read and write, during the run
   * (`pa_event_retries_total` of every service process, after the run less before it); null for the floor.
   */
  secondTurns: number | null;
}

/** The sum of `pa_event_retries_total` over the service's API processes. */
async function eventRetries(bases: string[]): Promise<number> {
  const counts = await Promise.all(
    bases.map(async (base) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return samples(text).get('pa_event_retries_total') ?? 0;
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

async function measure(
  name: string,
  rate: number,
  pg: BenchPostgres,
  options: Options,
  run: string,
): Promise<Measured> {
  const label = `${run}_${name.replace(/\W/g, '_')}_${String(rate).replace('.', '_')}`;
  return withServer({ name, label, pg, port: options.port, options }, async ({ server }) => {
    const load = { ...LOAD_DEFAULTS, bases: server.bases, secret: SECRET, ratePerS: rate };
    // A fresh process runs its first seconds in the interpreter; this leaves that out of the figures.
    if (options.warmupS > 0) {
      const warm = await runLoad({ ...load, durationS: options.warmupS, drainS: options.drainS });
      if (Object.keys(warm.errors).length > 0)
        log(`${name}@${rate}/s warm-up errors ${JSON.stringify(warm.errors)}`);
    }
    const service = serverKind(name)?.floor === false;
    const retriesBefore = service ? await eventRetries(server.bases) : null;
    const samples: [number, number, number, number][] = [];
    const serverPids = () => server.children.map((c) => c.pid!);
    const sample = () =>
      samples.push([
        performance.now(),
        cpuOfTrees(serverPids()),
        cpuOfTrees([pg.pid()]),
        cpuOfMainThreads(serverPids()),
      ]);
    const sampler = setInterval(sample, 500);
    const generatorCpu = process.cpuUsage();
    const report = await runLoad({ ...load, durationS: options.durationS, drainS: options.drainS });
    clearInterval(sampler);
    sample();
    const generator = process.cpuUsage(generatorCpu);
    const from = samples.find((s) => s[0] >= report.window.start + 2000);
    const to = samples.findLast((s) => s[0] <= report.window.end + 250);
    const cores = (i: 1 | 2) =>
      from && to && to[0] > from[0]
        ? Math.round(((to[i] - from[i]) / ((to[0] - from[0]) / 1000)) * 100) / 100
        : NaN;
    const drainedS = (performance.now() - report.window.start) / 1000;
    // CPU per application over the whole run, window and drain, so that work finished after the window counts.
    const first = samples.find((s) => s[0] >= report.window.start);
    const last = samples.at(-1);
    const cpuMs = first && last ? (last[1] - first[1] + last[2] - first[2]) * 1000 : NaN;
    const mainMs = first && last ? (last[3] - first[3]) * 1000 : NaN;
    const perApplication = (ms: number) =>
      report.approvedAfterDrain > 0 ? Math.round(ms / report.approvedAfterDrain) : null;
    const measured: Measured = {
      server: name,
      rate,
      report,
      cores: {
        server: cores(1),
        postgres: cores(2),
        generator: Math.round(((generator.user + generator.system) / 1e6 / drainedS) * 100) / 100,
      },
      cpuMsPerApplication: perApplication(cpuMs),
      mainThreadMsPerApplication: perApplication(mainMs),
      secondTurns: retriesBefore === null ? null : (await eventRetries(server.bases)) - retriesBefore,
    };
    log(line(measured));
    return measured;
  });
}

/** Second turns, and their share of the run's decisions: `839 (24%)`. */
function secondTurns(m: Measured): string {
  if (m.secondTurns === null) return '-';
  const decisions = m.report.decisions.ok + m.report.decisions.conflict;
  return decisions > 0
    ? `${m.secondTurns} (${Math.round((100 * m.secondTurns) / decisions)}%)`
    : String(m.secondTurns);
}

function line(m: Measured): string {
  const L = m.report.latencyMs;
  return (
    `${m.server}@${m.rate}/s: completed ${m.report.completedPerS}/s, unfinished ${m.report.unfinishedAtEnd}/${m.report.unfinishedAfterDrain}, ` +
    `decision p99 ${L.decision.p99} ms (second half ${m.report.secondHalfMs.decision.p99}), end-to-end p50 ${L.endToEnd.p50} p99 ${L.endToEnd.p99} ms, ` +
    `cores server/pg ${m.cores.server}/${m.cores.postgres}, CPU ${m.cpuMsPerApplication} ms/application ` +
    `(main threads ${m.mainThreadMsPerApplication}), ` +
    (m.secondTurns === null ? '' : `second turns ${secondTurns(m)}, `) +
    `errors ${JSON.stringify(m.report.errors)}`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The report

const q = (s: { p50: number | null; p95: number | null; p99: number | null }) =>
  `${s.p50 ?? '-'} / ${s.p95 ?? '-'} / ${s.p99 ?? '-'}`;

function table(results: Measured[]): string {
  const rows = [
    [
      'server',
      'offered/s',
      'completed/s',
      'unfinished end/drain',
      'submit p50/95/99',
      'decision p50/95/99',
      'decision p99, 2nd half',
      'inbox p50/95/99',
      'poll p50/95/99',
      'end-to-end p50/95/99',
      'instant p50/95/99',
      '409s',
      '2nd turns',
      'cores srv/pg',
      'CPU ms/app',
      'main thread',
    ],
  ];
  for (const m of results) {
    const L = m.report.latencyMs;
    rows.push([
      m.server,
      m.at70 ? `${m.rate} (70%)` : m.refined ? `${m.rate} (between)` : String(m.rate),
      String(m.report.completedPerS),
      `${m.report.unfinishedAtEnd} / ${m.report.unfinishedAfterDrain}`,
      q(L.submit),
      q(L.decision),
      String(m.report.secondHalfMs.decision.p99 ?? '-'),
      q(L.inbox),
      q(L.poll),
      q(L.endToEnd),
      q(L.instant),
      String(m.report.decisions.conflict),
      secondTurns(m),
      `${m.cores.server} / ${m.cores.postgres}`,
      String(m.cpuMsPerApplication ?? '-'),
      String(m.mainThreadMsPerApplication ?? '-'),
    ]);
  }
  const lines = alignColumns(rows, ' | ');
  return [lines[0], lines[0]!.replace(/[^|]/g, '-'), ...lines.slice(1)].join('\n');
}

/**
 * Each server's saturation (its best completed/s) and CPU per application, as ratios to the floor's, the latencies
 * the targets name, and for the -2api servers what the second API process changes.
 */
function ratios(results: Measured[]): string {
  const byServer = new Map<string, Measured[]>();
  for (const m of results) byServer.set(m.server, [...(byServer.get(m.server) ?? []), m]);
  const best = (runs: Measured[]) => Math.max(...runs.map((m) => m.report.completedPerS));
  // A run where the server kept up (completed >= 0.9 x offered), other than the one at 70% of saturation.
  const keptUp = (m: Measured) =>
    !m.at70 &&
    keptUpWith({ rate: m.rate, completedPerS: m.report.completedPerS }) &&
    m.cpuMsPerApplication !== null;
  // Its lowest rate where it kept up.
  const keepingUp = (runs: Measured[]) => runs.find(keptUp);
  const cpu = (runs: Measured[]) => keepingUp(runs)?.cpuMsPerApplication ?? null;
  const floor = byServer.get('floor');
  const keptUpAt = (runs: Measured[], rate: number) => runs.find((m) => m.rate === rate && keptUp(m));
  /**
   * CPU per application beside the floor's at one offered rate, the highest both kept up with: the officers' idle
   * polls of an empty inbox cost each server a fixed CPU per second, which weighs more per application the lower
   * the rate, so servers compared at their own lowest rates are compared under different loads.
   */
  const atSameRate = (runs: Measured[]): string => {
    const pairs = runs.flatMap((m) => {
      const theirs = floor && keptUp(m) ? keptUpAt(floor, m.rate) : undefined;
      return theirs
        ? [{ rate: m.rate, own: m.cpuMsPerApplication!, theirs: theirs.cpuMsPerApplication! }]
        : [];
    });
    const pair = pairs.sort((a, b) => b.rate - a.rate)[0];
    if (pair === undefined) return '- (no rate both kept up with)';
    return `${pair.own} / ${pair.theirs} ms at ${pair.rate}/s (${(pair.own / pair.theirs).toFixed(2)}x)`;
  };
  const rows = [
    [
      'server',
      'best completed/s',
      'x floor',
      'CPU ms/app (keeping up)',
      'x floor',
      'CPU ms/app, floor, at one rate',
      'decision p99 at 70% of best',
      'instant p95',
      'second API adds',
    ],
  ];
  for (const [server, runs] of byServer) {
    const single = server.endsWith('-2api') ? byServer.get(server.replace(/-2api$/, '')) : undefined;
    const ratio = (a: number | null, b: number | null) => (a !== null && b ? `${(a / b).toFixed(2)}x` : '-');
    const at70 = runs.find((m) => m.at70);
    const reference = at70 ?? keepingUp(runs);
    rows.push([
      server,
      String(best(runs)),
      floor ? ratio(best(runs), best(floor)) : '-',
      String(cpu(runs) ?? '-'),
      floor ? ratio(cpu(runs), cpu(floor)) : '-',
      server === 'floor' ? '' : atSameRate(runs),
      at70
        ? `${at70.report.latencyMs.decision.p99} ms at ${at70.rate}/s (2nd half ${at70.report.secondHalfMs.decision.p99 ?? '-'} ms)`
        : '- (no --sweep to saturation)',
      reference ? `${reference.report.latencyMs.instant.p95 ?? '-'} ms` : '-',
      single ? `${(((best(runs) - best(single)) / best(single)) * 100).toFixed(0)}% completed/s` : '',
    ]);
  }
  const saturation = (runs: Measured[]) => ({
    best: best(runs),
    fellBehind: runs.some(
      (m) => !m.at70 && !keptUpWith({ rate: m.rate, completedPerS: m.report.completedPerS }),
    ),
  });
  const verdicts = (floorRuns: Measured[]) =>
    [...byServer]
      .filter(([server]) => server !== 'floor')
      .map(([server, runs]) => {
        const at70 = runs.find((m) => m.at70);
        const own = cpu(runs);
        const theirs = cpu(floorRuns);
        return `  ${server}: ${judgeTargets({
          server: saturation(runs),
          floor: saturation(floorRuns),
          decisionP99Ms: at70?.report.latencyMs.decision.p99 ?? null,
          cpuRatio: own !== null && theirs ? own / theirs : null,
          instantP95Ms: (at70 ?? keepingUp(runs))?.report.latencyMs.instant.p95 ?? null,
        })}`;
      });
  const lines = alignColumns(rows, ' | ');
  return [
    lines[0],
    lines[0]!.replace(/[^|]/g, '-'),
    ...lines.slice(1),
    '',
    ...TARGETS_TEXT,
    ...(floor ? verdicts(floor) : []),
  ].join('\n');
}

/**
 * Each run's request latencies through its window: a fresh process's first seconds beside the rest, which the
 * whole window's percentiles mix.
 */
function timelines(results: Measured[]): string {
  const rows = results.map((m) => [
    `${m.server}@${m.rate}/s`,
    ...m.report.timeline.map((slice) => `${slice.p50 ?? '-'}/${slice.p99 ?? '-'}`),
  ]);
  const header = ['run', ...(results[0]?.report.timeline.map((slice) => `${slice.fromS} s`) ?? [])];
  return [
    `request latency p50/p99 in ms, by the ${TIMELINE_SLICE_S}-s slice of the window each request was due in:`,
    ...alignColumns([header, ...rows], '  '),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const run = runName('bench');
  const results: Measured[] = [];
  let failed = false;
  let pg: BenchPostgres | undefined;
  try {
    pg = await startBenchPostgres(run);
    const sweeps = options.servers.map((server) => ({
      server,
      grid: server === 'floor' ? (options.floorRates ?? options.rates) : options.rates,
    }));
    const measured = await sweepInTurn({
      sweeps,
      sweep: options.sweep,
      refinements: options.refinements,
      measure: async (server, next) => {
        const m = await measure(server, next.rate, pg!, options, run);
        if (next.at70) m.at70 = true;
        if (next.refined) m.refined = true;
        results.push(m);
        return m;
      },
      view: (m) => ({
        rate: m.rate,
        completedPerS: m.report.completedPerS,
        at70: m.at70,
        refined: m.refined,
      }),
    });
    // Grouped by server for the report; a failure part-way leaves `results` with what was measured, in run order.
    results.splice(0, results.length, ...measured);
  } catch (error) {
    failed = true;
    log(`failed: ${(error as Error).stack}`);
  } finally {
    await pg?.stop();
  }
  const facts = { ...hostFacts(), node: process.version, platform: platform(), loadAverage: loadAverage() };
  const report = [
    `machine: ${facts.cores} cores, ${facts.cpu}, ${facts.memoryGiB} GiB, Node ${facts.node}, load average ${facts.loadAverage.join(' ')}`,
    ...nodeArgsLine(options.nodeArgs),
    `duration ${options.durationS} s per rate, drain ${options.drainS} s${options.warmupS > 0 ? `, after ${options.warmupS} s of unmeasured warm-up` : ''}; latencies in ms from the scheduled time`,
    '',
    results.length ? table(results) : '(no results)',
    '',
    results.length ? ratios(results) : '',
    '',
    results.length ? timelines(results) : '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  writeJson(options.json, {
    run,
    date: new Date().toISOString(),
    machine: facts,
    nodeArgs: options.nodeArgs,
    results,
  });
  process.exit(failed ? 1 : 0);
}

await main();
