/**
 * `npm run bench:registration`: how long other requests wait while the largest workflow definition the body limit
 * admits is registered, and while its version takes its first submission. Checking one takes a second or so of CPU;
 * done on the event loop, every request waits for it. The first submission compiles the version in the process
 * (its statechart, its analysis, its form's validator).
 *
 *   npm run bench:registration -- [--runs 3] [--registrations 4] [--probe-ms 10] [--against DIR]
 *
 * For each run: a fresh database on one embedded PostgreSQL and a fresh service process (`svc-pg`, production
 * settings, `WARMUP_MS=0`: a cold process, the worst case). Then, per registration of the definition under a new
 * key, `GET /health` is probed every `--probe-ms` on a connection of its own from the moment the registration is
 * sent until it is answered, and again for the first submission to that version; the slowest probe is how long the
 * event loop was held. Before the first, the same
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

/** What was in flight while /health was probed. */
type Sent = 'idle' | 'registration' | 'first submission';

/** One registration or first submission (or the idle baseline, `registration: 0`) and the probes sent meanwhile. */
interface Sample {
  build: string;
  run: number;
  sent: Sent;
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
    const applicant = signJwt({ role: 'applicant', sub: 'bench-applicant' }, SECRET);
    const agent = new http.Agent({ keepAlive: true });
    const samples: Sample[] = [];
    try {
      const idle = await probeWhile(base, options.probeMs, sleep(1000));
      samples.push({ build, run, sent: 'idle', registration: 0, status: 0, elapsedMs: 1000, ...idle });
      const probed = async (sent: Sent, registration: number, send: Parameters<typeof request>[2]) => {
        const started = performance.now();
        const answer = request(agent, base, send);
        const probes = await probeWhile(base, options.probeMs, answer);
        const reply = await answer;
        const elapsedMs = performance.now() - started;
        if (reply.status !== 201)
          throw new Error(`${sent} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
        samples.push({ build, run, sent, registration, status: reply.status, elapsedMs, ...probes });
      };
      for (let n = 1; n <= options.registrations; n++) {
        const body = largestDefinition(`largest-${n}`);
        await probed('registration', n, {
          method: 'POST',
          path: '/api/v1/workflows',
          bearer: admin,
          body,
          headers: {},
        });
        await probed('first submission', n, {
          method: 'POST',
          path: '/api/v1/applications',
          bearer: applicant,
          body: { workflow: body.key, data: {} },
          headers: {},
        });
      }
    } finally {
      agent.destroy();
    }
    return samples;
  });
}

const ms = (n: number | null) => (n === null ? '-' : `${Math.round(n)} ms`);

interface Medians {
  build: string;
  idle: number | null;
  registration: number | null;
  submission: number | null;
}

function summary(samples: Sample[]): Medians[] {
  const builds = [...new Set(samples.map((s) => s.build))];
  const median = (build: string, sent: Sent) =>
    percentile(
      samples
        .filter((s) => s.build === build && s.sent === sent)
        .map((s) => s.worstProbeMs)
        .sort((a, b) => a - b),
      50,
    );
  return builds.map((build) => ({
    build,
    idle: median(build, 'idle'),
    registration: median(build, 'registration'),
    submission: median(build, 'first submission'),
  }));
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
        const worst = (sent: Sent) =>
          ms(Math.max(...measured.filter((s) => s.sent === sent).map((s) => s.worstProbeMs)));
        log(
          `${build}, run ${r}: slowest /health probe ${worst('registration')} during the registrations, ` +
            `${worst('first submission')} during the first submissions`,
        );
        samples.push(...measured);
      }
    }
  });
  const facts = { ...hostFacts(), node: process.version, loadAverage: loadAverage() };
  const rows = samples.map((s) => [
    s.build,
    String(s.run),
    s.sent === 'idle' ? 'idle (1 s)' : `${s.sent} ${s.registration}`,
    ms(s.elapsedMs),
    String(s.probes),
    ms(s.worstProbeMs),
  ]);
  const lines = alignColumns(
    [['build', 'run', 'in flight', 'answered in', 'probes', 'slowest probe'], ...rows],
    ' | ',
  );
  const medians = summary(samples);
  const [ours, theirs] = medians;
  process.stdout.write(
    [
      `machine: ${facts.cores} cores, ${facts.cpu}, ${facts.memoryGiB} GiB, Node ${facts.node}, load average ${facts.loadAverage.join(' ')}`,
      `/health probed every ${options.probeMs} ms while the largest definition is registered and its version takes its first submission; a fresh cold process per run`,
      '',
      lines[0]!,
      lines[0]!.replace(/[^|]/g, '-'),
      ...lines.slice(1),
      '',
      ...medians.map(
        (m) =>
          `${m.build}: slowest probe, median ${ms(m.registration)} over registrations, ` +
          `${ms(m.submission)} over first submissions (idle ${ms(m.idle)})`,
      ),
      ...(['registration', 'submission'] as const).flatMap((sent) => {
        const [mine, other] = [ours?.[sent], theirs?.[sent]];
        return mine && other
          ? [`ratio, ${sent}s: ${(mine / other).toFixed(2)} × the build at ${theirs!.build}`]
          : [];
      }),
      '',
    ].join('\n'),
  );
  writeJson(options.json, { run, date: new Date().toISOString(), machine: facts, samples });
  process.exit(failed ? 1 : 0);
}

await main();
