import { describe, expect, it } from '@jest/globals';
import { judgeTargets, nextRun, sweepInTurn } from './sweep.util.js';
import type { NextRun, SweepRun, TargetFigures } from './sweep.util.js';

const grid = [100, 110, 120];
const kept = (rate: number): SweepRun => ({ rate, completedPerS: rate - 1 });
const behind = (rate: number, completedPerS = rate / 2): SweepRun => ({ rate, completedPerS });

describe('nextRun', () => {
  it('runs every rate of the grid once without --sweep, whatever the server did', () => {
    expect(nextRun(grid, [], false)).toEqual({ rate: 100, at70: false });
    expect(nextRun(grid, [behind(100)], false)).toEqual({ rate: 110, at70: false });
    expect(nextRun(grid, [behind(100), behind(110), behind(120)], false)).toBeUndefined();
  });

  it('climbs the grid while the server keeps up, and stops with no 70% run when it kept up at every rate', () => {
    expect(nextRun(grid, [kept(100)], true)).toEqual({ rate: 110, at70: false });
    expect(nextRun(grid, [kept(100), kept(110), kept(120)], true)).toBeUndefined();
  });

  it('runs once at 70% of the best completed/s after the server falls behind, and then stops', () => {
    const runs = [kept(100), behind(110, 95)];
    expect(nextRun(grid, runs, true)).toEqual({ rate: 69.3, at70: true });
    expect(nextRun(grid, [...runs, { rate: 69.3, completedPerS: 69, at70: true }], true)).toBeUndefined();
  });

  it('steps down from a first rate the server fell behind at, and takes its best from every run', () => {
    expect(nextRun(grid, [behind(100, 56.6)], true)).toEqual({ rate: 80, at70: false });
    expect(nextRun(grid, [behind(100, 56.6), behind(80, 50)], true)).toEqual({ rate: 64, at70: false });
    expect(nextRun(grid, [behind(100, 56.6), kept(80)], true)).toEqual({ rate: 55.3, at70: true });
  });

  it('halves the interval its edge lies in as often as asked, then runs at 70% of the best of every run', () => {
    const refine = (runs: SweepRun[]) => nextRun(grid, runs, true, 2);
    const between = (run: SweepRun): SweepRun => ({ ...run, refined: true });
    expect(refine([kept(100), behind(110, 80)])).toEqual({ rate: 105, at70: false, refined: true });
    // Kept up halfway: the edge lies above it; fell behind: below.
    expect(refine([kept(100), behind(110, 80), between(kept(105))])).toEqual({
      rate: 107.5,
      at70: false,
      refined: true,
    });
    expect(refine([kept(100), behind(110, 80), between(behind(105, 70))])).toEqual({
      rate: 102.5,
      at70: false,
      refined: true,
    });
    const refined = [kept(100), behind(110, 80), between(kept(105)), between(behind(107.5, 70))];
    expect(refine(refined)).toEqual({ rate: 72.8, at70: true });
  });

  it('refines nothing unless asked, nor without --sweep, nor where no rate was kept up with', () => {
    expect(nextRun(grid, [kept(100), behind(110, 80)], true)).toEqual({ rate: 69.3, at70: true });
    expect(nextRun(grid, [kept(100), behind(110, 80)], false, 2)).toEqual({ rate: 120, at70: false });
    const collapsed = [behind(100, 40), behind(80, 45), behind(64, 30)];
    expect(nextRun(grid, collapsed, true, 2)).toEqual({ rate: 31.5, at70: true });
  });

  it('rounds the rate halfway to tenths, and stops refining once the two rates are a tenth apart', () => {
    expect(nextRun(grid, [kept(100), behind(100.5, 50)], true, 2)).toEqual({
      rate: 100.3,
      at70: false,
      refined: true,
    });
    expect(nextRun(grid, [kept(100), behind(100.1, 50)], true, 2)).toEqual({ rate: 69.3, at70: true });
  });

  it('refines between a step down the server kept up with and the rate above it', () => {
    expect(nextRun(grid, [behind(100, 56.6), kept(80)], true, 1)).toEqual({
      rate: 90,
      at70: false,
      refined: true,
    });
  });

  it('gives up stepping down after two steps and reads the 70% rate off what the server did', () => {
    const runs = [behind(100, 40), behind(80, 45), behind(64, 30)];
    expect(nextRun(grid, runs, true)).toEqual({ rate: 31.5, at70: true });
  });
});

describe('sweepInTurn', () => {
  /**
   * Sweeps servers that each complete at most their edge per second, and gives back the runs in the order they were
   * made (`~` a refined run, `*` the run at 70%) and as sweepInTurn returns them.
   */
  async function sweepUpTo(plan: {
    edges: Record<string, number>;
    grids: Record<string, number[]>;
    refinements?: number;
  }) {
    const order: string[] = [];
    const runs = await sweepInTurn({
      sweeps: Object.entries(plan.grids).map(([server, grid]) => ({ server, grid })),
      sweep: true,
      refinements: plan.refinements,
      measure: (server, next: NextRun) => {
        order.push(`${server}@${next.rate}${next.refined ? '~' : ''}${next.at70 ? '*' : ''}`);
        const completedPerS = Math.min(next.rate, plan.edges[server]!);
        return Promise.resolve({
          server,
          rate: next.rate,
          completedPerS,
          at70: next.at70,
          refined: next.refined,
        });
      },
      view: (run) => run,
    });
    return { order, runs };
  }

  it('makes one run per server in turn, so that no server is measured only at the end', async () => {
    const { order, runs } = await sweepUpTo({
      edges: { floor: 105, svc: 92 },
      grids: { floor: [100, 120, 140], svc: [90, 100, 110] },
    });
    expect(order).toEqual([
      'floor@100',
      'svc@90',
      'floor@120',
      'svc@100',
      'floor@73.5*',
      'svc@110',
      'svc@64.4*',
    ]);
    expect(runs.map((run) => `${run.server}@${run.rate}`)).toEqual([
      'floor@100',
      'floor@120',
      'floor@73.5',
      'svc@90',
      'svc@100',
      'svc@110',
      'svc@64.4',
    ]);
  });

  it('passes its refinements on to each server, in turn with the others', async () => {
    const { order } = await sweepUpTo({
      edges: { floor: 125, svc: 92 },
      grids: { floor: [100, 140], svc: [90, 110] },
      refinements: 1,
    });
    expect(order).toEqual([
      'floor@100',
      'svc@90',
      'floor@140',
      'svc@110',
      'floor@120~',
      'svc@100~',
      'floor@87.5*',
      'svc@64.4*',
    ]);
  });
});

describe('judgeTargets', () => {
  const sweep: TargetFigures = {
    server: { best: 72.55, fellBehind: true },
    floor: { best: 91.05, fellBehind: true },
    decisionP99Ms: 63.6,
    cpuRatio: 16 / 14,
    instantP95Ms: 0,
  };

  it('names each figure and its verdict, a saturation to three places so that 0.797 reads as the miss it is', () => {
    expect(judgeTargets(sweep)).toBe(
      'saturation 0.797x missed; decision p99 at 70% 63.6 ms met; CPU/app 1.143x met; instant p95 0 ms met: 3 of 4 met',
    );
  });

  it('holds each target at its bound: p99 under 100 ms, CPU at most 1.5 x, instant p95 under 50 ms', () => {
    const atBounds = { ...sweep, decisionP99Ms: 100, cpuRatio: 1.5, instantP95Ms: 50 };
    expect(judgeTargets(atBounds)).toContain(
      'decision p99 at 70% 100 ms missed; CPU/app 1.500x met; instant p95 50 ms missed',
    );
    const hundred = { best: 100, fellBehind: true };
    expect(judgeTargets({ ...sweep, server: { best: 80, fellBehind: true }, floor: hundred })).toContain(
      'saturation 0.800x met',
    );
  });

  it('gives a ratio just past its bound six places, so that it never prints as on the bound', () => {
    const hundred = { best: 100, fellBehind: true };
    const justUnder = { ...sweep, server: { best: 79.996, fellBehind: true }, floor: hundred };
    expect(judgeTargets(justUnder)).toContain('saturation 0.799960x missed');
    expect(judgeTargets({ ...sweep, cpuRatio: 1.5004 })).toContain('CPU/app 1.500400x missed');
  });

  it('reads a ratio as a bound where one of the two never fell behind, and judges only what the bound settles', () => {
    const floorKeptUp = { ...sweep, floor: { best: 91.05, fellBehind: false } };
    expect(judgeTargets({ ...floorKeptUp, server: { best: 85, fellBehind: true } })).toContain(
      '0.934x not judged',
    );
    expect(judgeTargets({ ...floorKeptUp, server: { best: 60, fellBehind: true } })).toContain(
      '0.659x missed',
    );
    expect(judgeTargets({ ...sweep, server: { best: 85, fellBehind: false } })).toContain('0.934x met');
    expect(judgeTargets({ ...sweep, server: { best: 60, fellBehind: false } })).toContain(
      '0.659x not judged',
    );
  });

  it('does not judge a figure whose run was not made', () => {
    expect(judgeTargets({ ...sweep, decisionP99Ms: null, cpuRatio: null, instantP95Ms: null })).toBe(
      'saturation 0.797x missed; decision p99 at 70% - ms not judged; CPU/app - not judged; instant p95 - ms not judged: 0 of 4 met',
    );
  });
});
