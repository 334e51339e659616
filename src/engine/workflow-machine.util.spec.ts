import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { StepDefinition, WorkflowDefinition } from '../definitions/definition.types.js';
import {
  applyEvent,
  buildWorkflowMachine,
  resolveChart,
  startApplication,
  takeRule,
} from './workflow-machine.util.js';
import type { ChartState, EngineEvent, EngineResult } from './workflow-machine.util.js';

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

  it('takes rule results one after another in plain values, and resolves one snapshot that carries on', () => {
    // The planner's cascade: each approval by rule opens the next step, whose rule speaks in the same event.
    const chain = workflow([step('a'), step('b', { after: ['a'] }), step('c', { after: ['b'] })]);
    const machine = buildWorkflowMachine(chain, 1, deps(chain));
    const start = startApplication(machine, { skipped: [] });
    let state: ChartState = start;
    for (const id of ['a', 'b']) state = takeRule(machine, state, { step: id, attempt: 1, holds: true })!;
    expect(state.steps).toEqual({ a: 'approved', b: 'approved', c: 'open' });
    expect(state.context.ruleChecked).toEqual({ a: true, b: true });
    // Spoken already, not open, or not the current attempt: nothing to take.
    expect(takeRule(machine, state, { step: 'b', attempt: 1, holds: true })).toBeNull();
    expect(takeRule(machine, start, { step: 'c', attempt: 1, holds: true })).toBeNull();
    expect(takeRule(machine, state, { step: 'c', attempt: 2, holds: true })).toBeNull();
    const resolved = resolveChart(machine, state, start.steps);
    expect(resolved.changes.map((c) => `${c.step} ${c.from}->${c.to}`)).toEqual([
      'a open->approved',
      'b blocked->approved',
      'c blocked->open',
    ]);
    const done = applyEvent(machine, JSON.parse(JSON.stringify(resolved.snapshot)), approve('c'));
    expect(done.status).toBe('approved');
    expect(done.context.ruleChecked).toEqual({ a: true, b: true });
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

  it('settles after every event: nothing left to open, cancel or conclude, whatever waits for what', () => {
    const ids = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const events = (steps: string[]): fc.Arbitrary<EngineEvent> => {
      const stepArb = fc.constantFrom(...steps);
      const attempt = fc.constantFrom(1, 1, 2);
      const officerArb = fc.constantFrom('alice', 'bob');
      return fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            type: fc.constant('DECIDE' as const),
            step: stepArb,
            attempt,
            outcome: fc.constantFrom(
              'approve' as const,
              'approve' as const,
              'reject' as const,
              'return' as const,
            ),
            officer: officerArb,
          }),
        },
        fc.record({ type: fc.constant('TIMEOUT' as const), step: stepArb, attempt }),
        fc.record({ type: fc.constant('RULE' as const), step: stepArb, attempt, holds: fc.boolean() }),
        fc.constant({ type: 'WITHDRAW' as const }),
        {
          weight: 3,
          arbitrary: fc.record({ type: fc.constant('RESUBMIT' as const), reopen: fc.subarray(steps) }),
        },
        fc.record({ type: fc.constant('LAPSE' as const), round: fc.constantFrom(0, 1) }),
      );
    };
    // Definitions of up to six steps, each waiting for any of those before it, some skipped, and events for them.
    const cases = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.record({
        after: fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(ids.slice(0, i)))),
        onTimeout: fc.constantFrom('approve' as const, 'reject' as const, 'escalate' as const),
        skipped: fc.subarray(ids.slice(0, n)),
        events: fc.array(events(ids.slice(0, n)), { maxLength: 25 }),
      }),
    );
    const asStored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    fc.assert(
      fc.property(cases, ({ after, onTimeout, skipped, events: sent }) => {
        const def = workflow(after.map((waitsFor, i) => step(`s${i}`, { after: waitsFor, onTimeout })));
        const machine = buildWorkflowMachine(def, 1, deps(def));
        let result = startApplication(machine, { skipped });
        const expectSettled = ({ steps, status }: EngineResult) => {
          const statuses = Object.values(steps);
          const live = statuses.filter((s) => s === 'blocked' || s === 'open' || s === 'returned');
          const satisfied = (id: string) => steps[id] === 'approved' || steps[id] === 'skipped';
          expect(statuses.includes('rejected')).toBe(status === 'rejected');
          expect(statuses.every((s) => s === 'approved' || s === 'skipped')).toBe(status === 'approved');
          if (['rejected', 'withdrawn', 'lapsed'].includes(status)) expect(live).toEqual([]);
          if (status === 'correction_requested') {
            expect(statuses).toContain('returned');
            expect(statuses).not.toContain('open');
          }
          if (status === 'in_review') expect(statuses).toContain('open');
          for (const s of def.steps)
            if (steps[s.id] === 'blocked') expect((s.after ?? []).every(satisfied)).toBe(false);
        };
        expectSettled(result);
        for (const event of sent) {
          // Resubmitted as the planner does: every returned step reopens, with any approved step listed.
          const reopen = (listed: string[]) =>
            Object.keys(result.steps).filter(
              (s) => result.steps[s] === 'returned' || (result.steps[s] === 'approved' && listed.includes(s)),
            );
          const e = event.type === 'RESUBMIT' ? { ...event, reopen: reopen(event.reopen) } : event;
          const fromHeld = applyEvent(machine, result.snapshot, e);
          // The state this process holds answers the event as the stored one does.
          expect(asStored(fromHeld)).toEqual(
            asStored(applyEvent(machine, asStored(result.snapshot) as typeof result.snapshot, e)),
          );
          if (!fromHeld.applied) expect(fromHeld.snapshot).toEqual(result.snapshot);
          result = fromHeld;
          expectSettled(result);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ignores every event once the application is decided', () => {
    const results = run(diamond, [reject('a'), approve('b'), { type: 'TIMEOUT', step: 'b', attempt: 1 }]);
    expect(results[2]!.applied).toBe(false);
    expect(results[3]!.applied).toBe(false);
  });
});
