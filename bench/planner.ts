/**
 * bench/planner: the CPU an application costs the event path's pure part, in one process and without a database:
 * its submission and a decision on each step planned (`plan`) and remembered as the executor remembers a state it
 * wrote (`asStored`), on the bench's workflow. It isolates what the planner, the statechart, the hash chain and the
 * remembered state cost from the socket and scheduling noise of `npm run bench`.
 *
 *   node --import ./scripts/register-ts.mjs bench/planner.ts [--count 2000] [--rounds 5] [--against DIR]
 *
 * Each round runs in a fresh process. With `--against DIR` (another checkout, built with `npx tsc -p
 * tsconfig.build.json`), its build runs too, the two alternating round by round, and the ratio of their fastest
 * rounds is printed: the fastest round is the one the host disturbed least.
 *
 * `--shape gated` plans a workflow of 200 steps instead, 199 of them waiting for one gate, with no data: each
 * application is submitted, the gate approved (199 steps open at once) and one step rejected (198 cancelled at once).
 * It measures what the statechart costs when many steps change together (docs/architecture-event-path.md).
 *
 * `--shape chain` plans the largest definition the body limit admits (200 steps, each waiting for the ten before, an
 * `autoApprove` rule of 80 terms on each): each application is submitted with data `{}`, which every rule approves,
 * so its one event decides all 200 steps by rule, one after the other.
 *
 * `--between N` reads N small objects between two plans, as a serving process's other requests do, and times the
 * plans and remembered states alone: in a loop with nothing between, the planner's code and data stay in the CPU's
 * caches, and it costs a fraction of what it costs in the service (see docs/benchmarks.md).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkflowDefinition } from '../src/definitions/definition.types.js';
import type { ApplicationState, PlanContext, PlanEvent, PlanWorkflow } from '../src/engine/plan.types.js';
import { gatedDefinition, largestDefinition } from '../test/support/largest-definition.js';
import { BENCH_WORKFLOW } from './load.util.js';

interface Options {
  count: number;
  rounds: number;
  against: string | null;
  child: string | null;
  between: number;
  shape: Shape;
}

type Shape = 'bench' | 'gated' | 'chain';
const SHAPES: readonly Shape[] = ['bench', 'gated', 'chain'];

/** What each shape's applications go through, for the report. */
const SHAPE_WORK: Record<Shape, string> = {
  bench: 'a submission and a decision per step',
  gated: 'a submission, the gate approved, one step rejected',
  chain: 'a submission whose rules approve all 200 steps',
};

function parse(argv: string[]): Options {
  const options: Options = { count: 2000, rounds: 5, against: null, child: null, between: 0, shape: 'bench' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--count') options.count = Number(value());
    else if (flag === '--rounds') options.rounds = Number(value());
    else if (flag === '--against') options.against = resolve(value());
    else if (flag === '--child') options.child = resolve(value());
    else if (flag === '--between') options.between = Number(value());
    else if (flag === '--shape') {
      const shape = value();
      if (!SHAPES.includes(shape as Shape)) throw new Error(`--shape is one of ${SHAPES.join(', ')}`);
      options.shape = shape as Shape;
    } else
      throw new Error(
        `unknown option ${flag} (--count N, --rounds R, --against DIR, --between N, --shape ${SHAPES.join('|')})`,
      );
  }
  if (!(options.count > 0) || !(options.rounds > 0)) throw new Error('--count and --rounds must be positive');
  if (!Number.isInteger(options.between) || options.between < 0)
    throw new Error('--between wants a whole number of objects');
  return options;
}

/** One round in this process: CPU milliseconds per application, for the build under `root`. */
async function measure(root: string, { count, between, shape }: Options): Promise<number> {
  // Another build's modules, taken to have this build's shapes: the functions used here are older than both.
  const from = async <T>(path: string) => (await import(pathToFileURL(`${root}/dist/src/${path}`).href)) as T;
  const { plan } = await from<typeof import('../src/engine/plan.util.js')>('engine/plan.util.js');
  const { asStored } =
    await from<typeof import('../src/events/event-sql.util.js')>('events/event-sql.util.js');
  const { buildWorkflowMachine } = await from<typeof import('../src/engine/workflow-machine.util.js')>(
    'engine/workflow-machine.util.js',
  );
  const { resolveDependencies, topologicalOrder } = await from<
    typeof import('../src/definitions/definition-graph.util.js')
  >('definitions/definition-graph.util.js');
  const { dueTime, remindAt } =
    await from<typeof import('../src/calendar/calendar.util.js')>('calendar/calendar.util.js');
  // The bench's workflow is JSON sent to the API; its literals widen to strings here.
  const definition = (shape === 'gated'
    ? gatedDefinition('gated')
    : shape === 'chain'
      ? largestDefinition('chain')
      : BENCH_WORKFLOW) as unknown as WorkflowDefinition;
  const dependencies = resolveDependencies(definition);
  const steps = new Map(definition.steps.map((s) => [s.id, s]));
  const workflow: PlanWorkflow = {
    key: definition.key,
    version: 1,
    definition,
    dependencies,
    order: topologicalOrder(definition),
    machine: buildWorkflowMachine(definition, 1, dependencies),
    step: (id) => steps.get(id)!,
  };
  let ids = 0;
  const now = new Date(Date.UTC(2026, 11, 1, 8));
  const context: PlanContext = {
    workflow,
    now,
    timerHorizon: new Date(now.getTime() + 3_600_000),
    due: (s, at) => dueTime(at, s.timeLimit),
    remindAt: (_s, before, dueAt) => remindAt(dueAt, before).remindAt,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
  // Other requests' objects, read between two plans (--between): as in a serving process, each plan then finds
  // little of its code and data still in the CPU's caches. Timed apart from the plans and left out of the figure.
  const others = Array.from({ length: between }, (_, i) => ({ n: i, name: `other ${i}`, list: [i] }));
  let read = 0;
  let planned = 0;
  const timed = <T>(work: () => T): T => {
    if (between === 0) return work();
    for (const other of others) read += other.n + other.list[0]! + other.name.length;
    const start = process.cpuUsage();
    const result = work();
    const used = process.cpuUsage(start);
    planned += used.user + used.system;
    return result;
  };
  const remembered = (state: ApplicationState, data: Record<string, unknown>) => {
    const stored = asStored(state, { data, piiKey: null }, 32 * 1024);
    if (stored === null) throw new Error('the state was not remembered');
    return stored;
  };
  const application = (i: number) => {
    const data =
      shape === 'chain'
        ? {}
        : { applicant: { name: `A ${i}`, idNumber: `ID${i}` }, address: `${i} Bench Road`, seats: i % 100 };
    const id = `11111111-1111-4111-8111-${String(i).padStart(12, '0')}`;
    let state = timed(() =>
      remembered(
        plan(null, { type: 'submit', applicationId: id, applicant: 'ann', data }, context).state,
        data,
      ),
    );
    const decide = (step: string, outcome: 'approve' | 'reject') => {
      const decision: PlanEvent = {
        type: 'decide',
        step,
        attempt: 1,
        officer: 'o',
        outcome,
        comment: null,
        produces: {},
      };
      const from = state;
      state = timed(() => remembered(plan(from, decision, context).state, data));
    };
    if (shape === 'gated') {
      decide('gate', 'approve');
      decide('behind-0', 'reject');
    } else if (shape === 'bench')
      for (const step of workflow.order)
        if (state.tasks.some((t) => t.step === step && t.status === 'open')) decide(step, 'approve');
    const expected = shape === 'gated' ? 'rejected' : 'approved';
    if (state.application.status !== expected) throw new Error(`ended ${state.application.status}`);
  };
  // A first pass lets V8 compile the path, as a serving process would have.
  for (let i = 0; i < Math.min(count, shape === 'bench' ? 500 : 5); i++) application(i);
  planned = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) application(i);
  const used = process.cpuUsage(before);
  // The objects read must be used, or the loop that reads them could be left out.
  if (between > 0 && read === 0) throw new Error('nothing was read between the plans');
  return (between === 0 ? used.user + used.system : planned) / 1000 / count;
}

function round(root: string, { count, between, shape }: Options): number {
  const output = execFileSync(
    process.execPath,
    [
      ...process.execArgv,
      import.meta.filename,
      '--child',
      root,
      '--count',
      String(count),
      '--between',
      String(between),
      '--shape',
      shape,
    ],
    { encoding: 'utf8' },
  );
  return Number(output.trim());
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const options = parse(process.argv.slice(2));
if (options.child) {
  process.stdout.write(`${await measure(options.child, options)}\n`);
} else {
  const builds = [resolve(import.meta.dirname, '..'), ...(options.against ? [options.against] : [])];
  const rounds = new Map<string, number[]>(builds.map((b) => [b, []]));
  for (let r = 0; r < options.rounds; r++)
    for (const build of builds) rounds.get(build)!.push(round(build, options));
  console.log(
    `${options.count} applications per round (${SHAPE_WORK[options.shape]}), CPU per application` +
      (options.between > 0 ? `, ${options.between} objects read between two plans` : ''),
  );
  for (const [build, values] of rounds)
    console.log(
      `${build}: fastest ${Math.min(...values).toFixed(3)} ms, median ${median(values).toFixed(3)} ms, rounds ${values.map((v) => v.toFixed(3)).join(' ')}`,
    );
  if (options.against) {
    const [ours, theirs] = builds.map((b) => Math.min(...rounds.get(b)!));
    console.log(`ratio, fastest rounds: ${(ours! / theirs!).toFixed(2)} × the build at ${options.against}`);
  }
}
