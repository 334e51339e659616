import { describe, expect, it } from '@jest/globals';
import { expectedCompletion } from './expected-completion.util.js';
import type { ProjectionInput } from './expected-completion.util.js';

const now = new Date('2026-11-27T08:00:00Z');
const hours = (n: number, from = now) => new Date(from.getTime() + n * 3_600_000);
const limits: Record<string, number> = { a: 2, b: 5, c: 4, d: 1 };

function input(status: ProjectionInput['status'], dueAt: ProjectionInput['dueAt']): ProjectionInput {
  return {
    order: ['a', 'b', 'c', 'd'],
    dependencies: { a: [], b: [], c: ['a'], d: ['b', 'c'] },
    status,
    dueAt,
    due: (step, from) => hours(limits[step]!, from),
    now,
  };
}

describe('expected completion', () => {
  it('projects blocked steps from their prerequisites due times along the longest path', () => {
    // a due +2h, then c +4h = +6h; b due +5h; d opens at max(+5h, +6h) and takes 1h.
    const result = expectedCompletion(
      input({ a: 'open', b: 'open', c: 'blocked', d: 'blocked' }, { a: hours(2), b: hours(5) }),
    );
    expect(result).toEqual(hours(7));
  });

  it('counts finished steps as done now', () => {
    const result = expectedCompletion(
      input({ a: 'approved', b: 'approved', c: 'open', d: 'blocked' }, { c: hours(1) }),
    );
    expect(result).toEqual(hours(2));
  });

  it('never projects an overdue open step, or what waits for it, into the past', () => {
    // a was due an hour ago (escalated, still open): it counts as finishing now, not an hour ago.
    expect(
      expectedCompletion(input({ a: 'open', b: 'approved', c: 'approved', d: 'approved' }, { a: hours(-1) })),
    ).toEqual(now);
    // c waits for it and takes 4h from now.
    expect(
      expectedCompletion(input({ a: 'open', b: 'approved', c: 'blocked', d: 'approved' }, { a: hours(-1) })),
    ).toEqual(hours(4));
  });

  it('projects a returned step as reopened now with its full limit, not at its old due time', () => {
    // a was due in an hour when returned; corrected now it has its full 2h again, then c 4h and d 1h.
    const result = expectedCompletion(
      input({ a: 'returned', b: 'approved', c: 'blocked', d: 'blocked' }, { a: hours(1) }),
    );
    expect(result).toEqual(hours(7));
  });

  it('projects a returned step to reopen once the work not waiting for it is due, as no resubmission comes sooner', () => {
    // b is open until +5h: the applicant can resubmit only then; a takes its 2h, c 4h after it, d 1h after c.
    const result = expectedCompletion(
      input({ a: 'returned', b: 'open', c: 'blocked', d: 'blocked' }, { a: hours(1), b: hours(5) }),
    );
    expect(result).toEqual(hours(12));
  });

  it('is null when nothing is left', () => {
    expect(
      expectedCompletion(input({ a: 'approved', b: 'skipped', c: 'approved', d: 'approved' }, {})),
    ).toBeNull();
  });
});
