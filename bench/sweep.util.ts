/**
 * Which run a server's sweep makes next: up its grid of rates while it keeps up, lower when it falls behind at the
 * very first rate, between the two rates its edge lies in when asked to, then once at 70% of its best. No I/O, so
 * that the bench's choices can be tested without a run.
 */
import { tenths } from './bench.util.js';

/** What one run gave, as far as the sweep's choices need it. */
export interface SweepRun {
  rate: number;
  completedPerS: number;
  at70?: boolean;
  refined?: boolean;
}

export interface NextRun {
  rate: number;
  /** The run at 70% of the server's best completed/s, where the latency target is read. */
  at70: boolean;
  /** A run between the highest rate kept up with and the lowest fallen behind at, off the grid. */
  refined?: boolean;
}

/** A server kept up with a rate when it completed at least 0.9 × what was offered. */
export const keptUpWith = (run: SweepRun): boolean => run.completedPerS >= 0.9 * run.rate;

/**
 * How often a sweep steps down from a first rate the server fell behind at, and by how much each time. A fresh
 * process near its edge either works off its first seconds' backlog or never does, so one collapse at the first
 * rate says little about where the server saturates; without a lower rate its ratio would be read off a collapse.
 */
export const STEP_DOWNS = 2;
export const STEP_DOWN_FACTOR = 0.8;

/**
 * The rate halfway between the highest rate the server kept up with and the lowest above it that it fell behind at,
 * or undefined when the runs do not bracket its edge (or the two are a tenth apart).
 */
function between(runs: readonly SweepRun[]): number | undefined {
  const kept = runs.filter(keptUpWith).map((run) => run.rate);
  if (kept.length === 0) return undefined;
  const low = Math.max(...kept);
  const above = runs.filter((run) => !keptUpWith(run) && run.rate > low).map((run) => run.rate);
  if (above.length === 0) return undefined;
  const high = Math.min(...above);
  const rate = tenths((low + high) / 2);
  return rate > low && rate < high ? rate : undefined;
}

/**
 * The next run for one server, given its grid and the runs it has made, or undefined when it is done. Without
 * `sweep`, every rate of the grid once. With it: up the grid until the server falls behind; if it fell behind at
 * every rate so far (its first, and any step down), STEP_DOWN_FACTOR × the lowest of them, up to STEP_DOWNS
 * times; then up to `refinements` runs halving the interval its edge lies in (a server that collapses past its edge
 * is otherwise read at the grid's rate below it, a floor that levels off at its edge's, so a coarse grid weighs on
 * the one that collapses); then, if it fell behind anywhere, once at 70% of its best completed/s.
 */
export function nextRun(
  grid: readonly number[],
  runs: readonly SweepRun[],
  sweep: boolean,
  refinements = 0,
): NextRun | undefined {
  const fromGrid = () => {
    const rate = grid[runs.length];
    return rate === undefined ? undefined : { rate, at70: false };
  };
  if (!sweep) return fromGrid();
  if (runs.some((run) => run.at70)) return undefined;
  const behind = runs.filter((run) => !keptUpWith(run));
  if (behind.length === 0) return fromGrid();
  if (behind.length === runs.length && runs.length <= STEP_DOWNS) {
    return { rate: tenths(STEP_DOWN_FACTOR * Math.min(...runs.map((run) => run.rate))), at70: false };
  }
  const midway = runs.filter((run) => run.refined).length < refinements ? between(runs) : undefined;
  if (midway !== undefined) return { rate: midway, at70: false, refined: true };
  const rate = tenths(0.7 * Math.max(...runs.map((run) => run.completedPerS)));
  return rate > 0 ? { rate, at70: true } : undefined;
}

/**
 * Every server's sweep, one run at a time in turn (the first server's next run, the second's, … and again), so that
 * a host whose speed drifts over the minutes a sweep takes weighs on every server alike rather than on whichever
 * ran last. The runs come back grouped by server, in the order each server made them.
 */
export async function sweepInTurn<Run>(plan: {
  sweeps: readonly { server: string; grid: readonly number[] }[];
  sweep: boolean;
  /** Runs halving the interval a server's edge lies in, once the sweep has found it (see nextRun). */
  refinements?: number;
  /** Makes one run. */
  measure: (server: string, next: NextRun) => Promise<Run>;
  /** What the sweep's choices read off a run. */
  view: (run: Run) => SweepRun;
}): Promise<Run[]> {
  const runs = plan.sweeps.map(() => [] as Run[]);
  for (let ran = true; ran;) {
    ran = false;
    for (const [i, { server, grid }] of plan.sweeps.entries()) {
      const next = nextRun(grid, runs[i]!.map(plan.view), plan.sweep, plan.refinements);
      if (next === undefined) continue;
      runs[i]!.push(await plan.measure(server, next));
      ran = true;
    }
  }
  return runs.flat();
}

/** Issue 7's targets, each a ratio to the floor's figure or a latency. */
export const TARGETS = { saturation: 0.8, decisionP99Ms: 100, cpu: 1.5, instantP95Ms: 50 } as const;

/** Whether a figure meets its target: saturation and CPU as ratios to the floor's, latencies in ms. */
const MEETS = {
  saturation: (ratio: number) => ratio >= TARGETS.saturation,
  decisionP99Ms: (ms: number) => ms < TARGETS.decisionP99Ms,
  cpu: (ratio: number) => ratio <= TARGETS.cpu,
  instantP95Ms: (ms: number) => ms < TARGETS.instantP95Ms,
};

/** A sweep's saturation as far as it was found: its best completed/s, and whether it fell behind at some rate. */
export interface Saturation {
  best: number;
  fellBehind: boolean;
}

/** One server's figures against the targets; null where the run that gives one was not made. */
export interface TargetFigures {
  server: Saturation;
  floor: Saturation;
  /** Decision p99 of the run at 70% of the server's best. */
  decisionP99Ms: number | null;
  /** CPU per application ÷ the floor's. */
  cpuRatio: number | null;
  instantP95Ms: number | null;
}

type Verdict = 'met' | 'missed' | 'not judged';

/**
 * Saturation against the floor's. Where one of the two never fell behind, its saturation is only known to be at least
 * its best, so the ratio bounds the true one from one side: a floor that kept up makes it an upper bound (enough to
 * miss), a server that kept up a lower bound (enough to meet).
 */
function saturationVerdict({ server, floor }: TargetFigures, ratio: number): Verdict {
  const enough = MEETS.saturation(ratio);
  if (server.fellBehind && floor.fellBehind) return enough ? 'met' : 'missed';
  if (!floor.fellBehind && server.fellBehind) return enough ? 'not judged' : 'missed';
  if (floor.fellBehind && !server.fellBehind) return enough ? 'met' : 'not judged';
  return 'not judged';
}

/**
 * A ratio to three places, or to six where three would put it on the other side of its bound than it is: 0.797 for
 * 0.79681, and 0.799960, not 0.800, for 0.79996.
 */
function shown(ratio: number, meets: (v: number) => boolean): string {
  const three = ratio.toFixed(3);
  return `${meets(Number(three)) === meets(ratio) ? three : ratio.toFixed(6)}x`;
}

/** One line naming each target's figure and whether it was met (the table's two places print 0.797 as 0.80). */
export function judgeTargets(figures: TargetFigures): string {
  const check = (value: number | null, met: (v: number) => boolean): Verdict =>
    value === null ? 'not judged' : met(value) ? 'met' : 'missed';
  const saturation = figures.floor.best > 0 ? figures.server.best / figures.floor.best : null;
  const { cpuRatio, decisionP99Ms, instantP95Ms } = figures;
  const verdicts: [string, Verdict][] = [
    [
      `saturation ${saturation === null ? '-' : shown(saturation, MEETS.saturation)}`,
      saturation === null ? 'not judged' : saturationVerdict(figures, saturation),
    ],
    [`decision p99 at 70% ${decisionP99Ms ?? '-'} ms`, check(decisionP99Ms, MEETS.decisionP99Ms)],
    [`CPU/app ${cpuRatio === null ? '-' : shown(cpuRatio, MEETS.cpu)}`, check(cpuRatio, MEETS.cpu)],
    [`instant p95 ${instantP95Ms ?? '-'} ms`, check(instantP95Ms, MEETS.instantP95Ms)],
  ];
  const met = verdicts.filter(([, verdict]) => verdict === 'met').length;
  return `${verdicts.map(([figure, verdict]) => `${figure} ${verdict}`).join('; ')}: ${met} of 4 met`;
}

/** The targets as the bench states them above its verdicts. */
export const TARGETS_TEXT = [
  `targets (issue 7): best completed/s >= ${TARGETS.saturation} x floor (both swept to saturation); ` +
    `decision p99 at 70% of best < ${TARGETS.decisionP99Ms} ms;`,
  `CPU per application <= ${TARGETS.cpu} x floor; instant p95 (rule step decidedAt - submittedAt, where keeping up) ` +
    `< ${TARGETS.instantP95Ms} ms`,
];
