/**
 * `npm run bench:registration`: how long other requests wait while the largest workflow definition the body limit
 * admits is registered. Checking one takes a second or so of CPU; done on the event loop, every request waits for
 * it.
 *
 *   npm run bench:registration -- [--runs 3] [--registrations 4] [--probe-ms 10] [--against DIR]
 *
 * For each run: a fresh database on one embedded PostgreSQL and a fresh service process (`svc-pg`, production
 * settings, `WARMUP_MS=0`: a cold process, the worst case). Then, per registration of the definition under a new
 * key, `GET /health` is probed every `--probe-ms` on a connection of its own from the moment the registration is
 * sent until it is answered; the slowest probe is how long the event loop was held. Before the first, the same
 * probing runs for a second with nothing else in flight: the baseline of the same run. `--against DIR` runs
 * another checkout's build (`npx tsc -p tsconfig.build.json` there) alternately with this one, run by run.
 */
import http from 'node:http';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { largestDefinition } from '../test/support/largest-definition.js';
import {
  alignColumns,
  exitOnBadOption,
  hostFacts,
  loadAverage,
  log,
  percentile,
  readFlags,
  runName,
  sleep,
  writeJson,
} from './bench.util.js';
import { request, signJwt } from './load.util.js';
import { onBenchPostgres, SECRET, withServer } from './servers.util.js';
import type { BenchPostgres } from './servers.util.js';

const HELP = `npm run bench:registration -- [options]

  --runs N            fresh processes per build (default 3)
  --registrations N   registrations of the largest definition per process (default 4)
  --probe-ms N        pause between two /health probes (default 10)
  --against DIR       also run the build of another checkout, alternately
  --port N            the port the service listens on (default 3400)
  --json[=FILE]       also print the results as JSON (to stdout, or to FILE)`;

interface Options {
  runs: number;
  registrations: number;
  probeMs: number;
  against: string | undefined;
  port: number;
  json: string | true | undefined;
  redisUrl: string;
}

function parse(argv: string[]): Options {
  const options: Options = {
    runs: 3,
    registrations: 4,
    probeMs: 10,
    against: undefined,
    port: 3400,
    json: undefined,
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
  return exitOnBadOption(HELP, options, () =>
    readFlags(argv, HELP, ({ flag, inline, value, int }) => {
      if (flag === '--runs') options.runs = int();
      else if (flag === '--registrations') options.registrations = int();
      else if (flag === '--probe-ms') options.probeMs = int();
      else if (flag === '--against') options.against = resolve(value());
      else if (flag === '--port') options.port = int();
      else if (flag === '--json') options.json = inline ?? true;
      else return false;
      return true;
    }),
  );
}

/** One registration (or the idle baseline, `registration: 0`) and the probes sent while it was in flight. */
interface Sample {
  build: string;
  run: number;
  registration: number;
  status: number | string;
  elapsedMs: number;
  probes: number;
  worstProbeMs: number;
}

/** Probes /health until `until` settles; the slowest probe and how many were answered. */
async function probeWhile(
  base: string,
  probeMs: number,
  until: Promise<unknown>,
): Promise<{ probes: number; worstProbeMs: number }> {
  // A connection of its own: the registration's upload must not queue the probes behind it.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let done = false;
  void until.finally(() => (done = true));
  let probes = 0;
  let worst = 0;
  try {
    do {
      const started = performance.now();
      const probe = await request(agent, base, {
        method: 'GET',
        path: '/health',
        bearer: '',
        body: undefined,
        headers: {},
      });
      // A refused probe is quick, and would pass for a prompt answer.
      if (probe.status !== 200) throw new Error(`/health answered ${probe.status}`);
      worst = Math.max(worst, performance.now() - started);
      probes++;
      await sleep(probeMs);
    } while (!done);
  } finally {
    agent.destroy();
  }
  return { probes, worstProbeMs: worst };
}

async function measureBuild(
  pg: BenchPostgres,
  { build, root, run, label }: { build: string; root: string | undefined; run: number; label: string },
  options: Options,
): Promise<Sample[]> {
  const serverOptions = { redisUrl: options.redisUrl, cpuProfDir: undefined, root, env: { WARMUP_MS: '0' } };
  return withServer({ name: 'svc-pg', label, pg, port: options.port, options: serverOptions }, async () => {
    const base = `http://127.0.0.1:${options.port}`;
    const admin = signJwt({ role: 'admin', sub: 'bench-admin' }, SECRET);
    const agent = new http.Agent({ keepAlive: true });
    const samples: Sample[] = [];
    try {
      const idle = await probeWhile(base, options.probeMs, sleep(1000));
      samples.push({ build, run, registration: 0, status: 0, elapsedMs: 1000, ...idle });
      for (let n = 1; n <= options.registrations; n++) {
        const body = largestDefinition(`largest-${n}`);
        const started = performance.now();
        const sent = request(agent, base, {
          method: 'POST',
          path: '/api/v1/workflows',
          bearer: admin,
          body,
          headers: {},
        });
        const probed = await probeWhile(base, options.probeMs, sent);
        const reply = await sent;
        const elapsedMs = performance.now() - started;
        if (reply.status !== 201) {
          throw new Error(`registration answered ${reply.status}: ${JSON.stringify(reply.json)}`);
        }
        samples.push({ build, run, registration: n, status: reply.status, elapsedMs, ...probed });
      }
    } finally {
      agent.destroy();
    }
    return samples;
  });
}

const ms = (n: number | null) => (n === null ? '-' : `${Math.round(n)} ms`);

function summary(samples: Sample[]): { build: string; idle: number | null; worst: number | null }[] {
  const builds = [...new Set(samples.map((s) => s.build))];
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return builds.map((build) => {
    const mine = samples.filter((s) => s.build === build);
    return {
      build,
      idle: median(mine.filter((s) => s.registration === 0).map((s) => s.worstProbeMs)),
      worst: median(mine.filter((s) => s.registration > 0).map((s) => s.worstProbeMs)),
    };
  });
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const run = runName('registration');
  const builds = [
    { build: 'this', root: undefined },
    ...(options.against ? [{ build: options.against, root: options.against }] : []),
  ];
  const samples: Sample[] = [];
  const { failed } = await onBenchPostgres(run, async (pg) => {
    for (let r = 1; r <= options.runs; r++) {
      for (const [i, { build, root }] of builds.entries()) {
        const measured = await measureBuild(pg, { build, root, run: r, label: `${run}_${r}_${i}` }, options);
        const worst = Math.max(...measured.filter((s) => s.registration > 0).map((s) => s.worstProbeMs));
        log(`${build}, run ${r}: slowest /health probe ${ms(worst)} during the registrations`);
        samples.push(...measured);
      }
    }
  });
  const facts = { ...hostFacts(), node: process.version, loadAverage: loadAverage() };
  const rows = samples.map((s) => [
    s.build,
    String(s.run),
    s.registration === 0 ? 'idle (1 s)' : String(s.registration),
    ms(s.elapsedMs),
    String(s.probes),
    ms(s.worstProbeMs),
  ]);
  const lines = alignColumns(
    [['build', 'run', 'registration', 'answered in', 'probes', 'slowest probe'], ...rows],
    ' | ',
  );
  const medians = summary(samples);
  const [ours, theirs] = medians;
  process.stdout.write(
    [
      `machine: ${facts.cores} cores, ${facts.cpu}, ${facts.memoryGiB} GiB, Node ${facts.node}, load average ${facts.loadAverage.join(' ')}`,
      `/health probed every ${options.probeMs} ms while the largest definition is registered; a fresh cold process per run`,
      '',
      lines[0]!,
      lines[0]!.replace(/[^|]/g, '-'),
      ...lines.slice(1),
      '',
      ...medians.map(
        (m) => `${m.build}: slowest probe, median over registrations ${ms(m.worst)} (idle ${ms(m.idle)})`,
      ),
      ...(ours?.worst && theirs?.worst
        ? [`ratio: ${(ours.worst / theirs.worst).toFixed(2)} × the build at ${theirs.build}`]
        : []),
      '',
    ].join('\n'),
  );
  writeJson(options.json, { run, date: new Date().toISOString(), machine: facts, samples });
  process.exit(failed ? 1 : 0);
}

await main();
