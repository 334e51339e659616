import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { initialTransition } from 'xstate';
import type { StepDefinition, WorkflowDefinition } from '../definitions/definition.types.js';
import { applyEvent, buildWorkflowMachine, startApplication } from './workflow-machine.util.js';
import type { EngineEvent, EngineResult } from './workflow-machine.util.js';

function step(id: string, extra: Partial<StepDefinition> = {}): StepDefinition {
  return { id, name: id, department: `dept-${id}`, timeLimit: { hours: 1 }, ...extra };
}

function workflow(steps: StepDefinition[]): WorkflowDefinition {
  return { key: 'demo', name: 'Demo', form: { type: 'object' }, steps };
}

function deps(def: WorkflowDefinition): Record<string, string[]> {
  return Object.fromEntries(def.steps.map((s) => [s.id, s.after ?? []]));
}

/** Runs events one by one, round-tripping the snapshot through JSON as the database does. */
function run(def: WorkflowDefinition, events: EngineEvent[], skipped: string[] = []): EngineResult[] {
  const machine = buildWorkflowMachine(def, 1, deps(def));
  const results = [startApplication(machine, { skipped })];
  for (const event of events) {
    const last = results[results.length - 1]!;
    results.push(applyEvent(machine, JSON.parse(JSON.stringify(last.snapshot)), event));
  }
  return results;
}

const approve = (s: string, officer = 'alice', attempt = 1): EngineEvent => ({
  type: 'DECIDE',
  step: s,
  attempt,
  outcome: 'approve',
  officer,
});
const reject = (s: string): EngineEvent => ({
  type: 'DECIDE',
  step: s,
  attempt: 1,
  outcome: 'reject',
  officer: 'bob',
});

const diamond = workflow([
  step('a'),
  step('b'),
  step('c', { after: ['a'] }),
  step('d', { after: ['b', 'c'] }),
]);

describe('workflow machine', () => {
  it('opens every step without prerequisites at once and blocks the rest', () => {
    const [start] = run(diamond, []);
    expect(start!.steps).toEqual({ a: 'open', b: 'open', c: 'blocked', d: 'blocked' });
    expect(start!.status).toBe('in_review');
    expect(start!.changes.filter((c) => c.to === 'open').map((c) => c.step)).toEqual(['a', 'b']);
  });

  it('opens a step the moment its last prerequisite is approved, and approves the application at the end', () => {
    const results = run(diamond, [approve('a'), approve('b'), approve('c'), approve('d')]);
    expect(results[1]!.changes).toEqual([
      { step: 'a', from: 'open', to: 'approved' },
      { step: 'c', from: 'blocked', to: 'open' },
    ]);
    expect(results[2]!.steps.d).toBe('blocked');
    expect(results[3]!.steps.d).toBe('open');
    expect(results[4]!.status).toBe('approved');
    expect(results.every((r) => r.applied)).toBe(true);
  });

  it('treats a skipped step as satisfied, so a step whose prerequisites are all skipped opens at once', () => {
    const [start] = run(diamond, [], ['b', 'c']);
    expect(start!.steps).toEqual({ a: 'open', b: 'skipped', c: 'skipped', d: 'open' });
  });

  it('approves the application when every step that is not skipped is approved', () => {
    const results = run(diamond, [approve('a'), approve('d')], ['b', 'c']);
    expect(results[2]!.status).toBe('approved');
  });

  it('ends the application on a rejection and cancels what is open or blocked', () => {
    const results = run(diamond, [approve('a'), reject('b')]);
    const last = results[2]!;
    expect(last.status).toBe('rejected');
    expect(last.steps).toEqual({ a: 'approved', b: 'rejected', c: 'cancelled', d: 'cancelled' });
  });

  it('ignores a decision on a step that is not open', () => {
    const results = run(diamond, [approve('c'), approve('a'), approve('a')]);
    expect(results[1]!.applied).toBe(false);
    expect(results[1]!.changes).toEqual([]);
    expect(results[3]!.applied).toBe(false);
  });

  it('ignores a decision for an attempt that is not the current one', () => {
    const results = run(diamond, [approve('a', 'alice', 2)]);
    expect(results[1]!.applied).toBe(false);
    expect(results[1]!.steps.a).toBe('open');
  });

  it('needs distinct officers to countersign, and one officer cannot sign twice', () => {
    const def = workflow([step('a', { signoff: 2 })]);
    const results = run(def, [approve('a', 'alice'), approve('a', 'alice'), approve('a', 'carol')]);
    expect(results[1]!.applied).toBe(true);
    expect(results[1]!.steps.a).toBe('open');
    expect(results[1]!.context.signoffs.a).toEqual(['alice']);
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.steps.a).toBe('approved');
    expect(results[3]!.context.signoffs.a).toEqual(['alice', 'carol']);
  });

  it('deems an open step approved on timeout when onTimeout is approve, and ignores a second timeout', () => {
    const def = workflow([step('a', { onTimeout: 'approve' }), step('b', { after: ['a'] })]);
    const results = run(def, [
      { type: 'TIMEOUT', step: 'a', attempt: 1 },
      { type: 'TIMEOUT', step: 'a', attempt: 1 },
    ]);
    expect(results[1]!.steps).toEqual({ a: 'approved', b: 'open' });
    expect(results[2]!.applied).toBe(false);
  });

  it('rejects the application on timeout when onTimeout is reject', () => {
    const def = workflow([step('a', { onTimeout: 'reject' }), step('b')]);
    const results = run(def, [{ type: 'TIMEOUT', step: 'a', attempt: 1 }]);
    expect(results[1]!.status).toBe('rejected');
    expect(results[1]!.steps).toEqual({ a: 'rejected', b: 'cancelled' });
  });

  it('keeps an escalated step open and marks it overdue once', () => {
    const def = workflow([step('a')]);
    const results = run(def, [
      { type: 'TIMEOUT', step: 'a', attempt: 1 },
      { type: 'TIMEOUT', step: 'a', attempt: 1 },
      approve('a'),
    ]);
    expect(results[1]!.applied).toBe(true);
    expect(results[1]!.steps.a).toBe('open');
    expect(results[1]!.context.overdue.a).toBe(true);
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.status).toBe('approved');
  });

  it('marks an open step reminded once, and ignores a reminder for a closed step', () => {
    const results = run(diamond, [
      { type: 'REMIND', step: 'a', attempt: 1 },
      { type: 'REMIND', step: 'a', attempt: 1 },
      { type: 'REMIND', step: 'c', attempt: 1 },
    ]);
    expect(results[1]!.applied).toBe(true);
    expect(results[1]!.context.reminded.a).toBe(true);
    expect(results[1]!.steps.a).toBe('open');
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.applied).toBe(false);
  });

  it('approves a step by rule only while it is open', () => {
    const results = run(diamond, [
      { type: 'RULE', step: 'c', attempt: 1, holds: true },
      { type: 'RULE', step: 'a', attempt: 1, holds: true },
      { type: 'RULE', step: 'a', attempt: 1, holds: true },
    ]);
    expect(results[1]!.applied).toBe(false);
    expect(results[2]!.steps.a).toBe('approved');
    expect(results[3]!.applied).toBe(false);
  });

  it('leaves a step open when its rule does not hold, and ignores the same rule result delivered again', () => {
    const results = run(diamond, [
      { type: 'RULE', step: 'a', attempt: 1, holds: false },
      { type: 'RULE', step: 'a', attempt: 1, holds: false },
      { type: 'RULE', step: 'a', attempt: 1, holds: true },
      approve('a'),
    ]);
    expect(results[1]!.applied).toBe(true);
    expect(results[1]!.steps.a).toBe('open');
    expect(results[1]!.context.ruleChecked.a).toBe(true);
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.applied).toBe(false);
    expect(results[4]!.steps.a).toBe('approved');
  });

  it('ends the application on a rejection of its last open step while another step waits for correction', () => {
    const pair = workflow([step('a'), step('b')]);
    const results = run(pair, [
      { type: 'DECIDE', step: 'b', attempt: 1, outcome: 'return', officer: 'bob', fields: [] },
      reject('a'),
    ]);
    expect(results[1]!.status).toBe('in_review');
    expect(results[2]!.status).toBe('rejected');
    expect(results[2]!.steps).toEqual({ a: 'rejected', b: 'cancelled' });
  });

  it('cancels every open and blocked step on withdrawal, once', () => {
    const results = run(diamond, [approve('a'), { type: 'WITHDRAW' }, { type: 'WITHDRAW' }]);
    expect(results[2]!.status).toBe('withdrawn');
    expect(results[2]!.steps).toEqual({ a: 'approved', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
    expect(results[3]!.applied).toBe(false);
  });

  it('starts in the state XState settles in from the initial state, whatever waits for what and is skipped', () => {
    // Definitions of up to seven steps, each waiting for any of those before it, and any of them skipped.
    const shapes = fc
      .integer({ min: 1, max: 7 })
      .chain((n) =>
        fc.tuple(
          fc.tuple(
            ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`))),
          ),
          fc.subarray(Array.from({ length: n }, (_, i) => `s${i}`)),
        ),
      );
    fc.assert(
      fc.property(shapes, ([after, skipped]) => {
        const def = workflow(after.map((waitsFor, i) => step(`s${i}`, { after: waitsFor })));
        const machine = buildWorkflowMachine(def, 1, deps(def));
        const start = startApplication(machine, { skipped });
        const [settled] = initialTransition(machine, { skipped });
        const asStored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
        expect(asStored(start.snapshot)).toEqual(asStored(machine.getPersistedSnapshot(settled)));
        // The first state this process holds answers the next event as the stored one does.
        const firstOpen = Object.keys(start.steps).find((id) => start.steps[id] === 'open') ?? 's0';
        for (const event of [approve(firstOpen), { type: 'WITHDRAW' } as const]) {
          const fromHeld = applyEvent(machine, start.snapshot, event);
          const fromStored = applyEvent(machine, asStored(start.snapshot) as typeof start.snapshot, event);
          expect(asStored(fromHeld)).toEqual(asStored(fromStored));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ignores every event once the application is decided', () => {
    const results = run(diamond, [reject('a'), approve('b'), { type: 'TIMEOUT', step: 'b', attempt: 1 }]);
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.applied).toBe(false);
  });
});
