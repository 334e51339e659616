/**
 * About the largest valid workflow definition the default body limit (1 MiB) admits: 200 steps waiting for ten
 * each (near the 2,000 waits allowed), two rules of 80 terms a step, and a form of 300 fields. Checking it takes a
 * second or so of CPU; the hostile-input test and `npm run bench:registration` send it.
 */
export function largestDefinition(key: string) {
  const id = (i: number) => `s${i}`.padEnd(40, 'x');
  const field = (i: number) => `f${i % 300}`;
  const rule = { and: Array.from({ length: 80 }, (_v, i) => ({ '<': [{ var: field(i) }, 50] })) };
  const properties = largeFormFields(field);
  const steps = Array.from({ length: 200 }, (_v, i) => ({
    id: id(i),
    name: `Step ${i}`,
    department: `dept${i}`,
    after: Array.from({ length: Math.min(i, 10) }, (_w, j) => id(i - 1 - j)),
    needs: Array.from({ length: 20 }, (_w, k) => field(i + k)),
    fields: Array.from({ length: 20 }, (_w, k) => field(i + k)),
    when: rule,
    autoApprove: rule,
    timeLimit: { hours: 1 },
  }));
  return { key, name: 'Largest', form: { type: 'object', properties }, steps };
}

/** The largest definition's form, with one step: what compiling its version costs is the form's. */
export function largeFormDefinition(key: string) {
  return {
    key,
    name: 'Large form',
    form: { type: 'object', properties: largeFormFields((i) => `f${i}`) },
    steps: [{ id: 'review', name: 'Review', department: 'review-dept', timeLimit: { hours: 1 } }],
  };
}

function largeFormFields(field: (i: number) => string) {
  return Object.fromEntries(
    Array.from({ length: 300 }, (_v, i) => [field(i), { type: 'integer', minimum: 0, maximum: 100 }]),
  );
}

/**
 * 200 steps, 199 of them waiting for one gate, with no form fields: the gate's approval opens 199 steps at once, and
 * a rejection or withdrawal after it cancels them at once. The hostile-input test and `npm run bench:planner --
 * --shape gated` use it.
 */
export function gatedDefinition(key: string) {
  return {
    key,
    name: 'Gated',
    form: { type: 'object' },
    steps: [
      { id: 'gate', name: 'Gate', department: 'gate-dept', timeLimit: { hours: 1 } },
      ...Array.from({ length: 199 }, (_v, i) => ({
        id: `behind-${i}`,
        name: `Behind ${i}`,
        department: `behind-dept-${i % 5}`,
        timeLimit: { workingDays: 5 },
        after: ['gate'],
      })),
    ],
  };
}
