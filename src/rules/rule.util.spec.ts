import { describe, expect, it } from '@jest/globals';
import type { JsonLogic } from '../definitions/definition.types.js';
import { holds } from './json-logic.util.js';
import { factsUsed, factUrl, ruleDataPaths, urlFields, valuesRead } from './rule.util.js';

describe('rules', () => {
  it('walks a rule once: the same rule object gets the same analysis, and an equal copy an equal one', () => {
    const rule: JsonLogic = {
      and: [{ '==': [{ var: 'facts.registry.ok' }, true] }, { '<': [{ var: 'seats' }, 30] }],
    };
    const first = factsUsed(rule);
    expect(first).toEqual(['registry']);
    expect(factsUsed(rule)).toBe(first);
    const copy = structuredClone(rule);
    expect(factsUsed(copy)).not.toBe(first);
    expect(factsUsed(copy)).toEqual(first);
    expect(valuesRead(rule, { seats: 12, facts: { registry: { ok: true } } })).toEqual({
      'facts.registry.ok': true,
      seats: 12,
    });
    expect(factsUsed(true)).toEqual([]);
  });

  const rule: JsonLogic = {
    and: [{ '<=': [{ var: 'seats' }, 20] }, { '==': [{ var: 'facts.registry.status' }, 'active'] }],
  };

  it('names only the facts a rule reads', () => {
    expect(factsUsed(rule)).toEqual(['registry']);
    expect(factsUsed({ '==': [{ var: 'seats' }, 1] })).toEqual([]);
  });

  it('fills URL templates with URL-encoded application values', () => {
    expect(factUrl('http://h/c/{company.code}?q={name}', { company: { code: 'A/1 2' }, name: '李' })).toBe(
      'http://h/c/A%2F1%202?q=%E6%9D%8E',
    );
  });

  it('cannot fill a template whose value is missing or not a scalar', () => {
    expect(factUrl('http://h/{code}', {})).toBeNull();
    expect(factUrl('http://h/{code}', { code: { nested: true } })).toBeNull();
  });

  it('refuses values that would climb the path, and keeps every value inside its segment', () => {
    for (const code of ['..', '.', ''])
      expect(factUrl('http://h/registry/{code}/status', { code })).toBeNull();
    const url = factUrl('http://h/registry/{code}/status', { code: '../../admin' })!;
    expect(new URL(url).pathname).toBe('/registry/..%2F..%2Fadmin/status');
    expect(new URL(factUrl('http://h/r/{code}', { code: '...' })!).pathname).toBe('/r/...');
  });

  it('records the values a rule read', () => {
    expect(valuesRead(rule, { seats: 12, facts: { registry: { status: 'active' } } })).toEqual({
      seats: 12,
      'facts.registry.status': 'active',
    });
  });

  it('evaluates a rule to false when a fact is missing or the rule errs', () => {
    expect(holds(rule, { seats: 12, facts: {} })).toBe(false);
    expect(holds(rule, { seats: 12, facts: { registry: { status: 'active' } } })).toBe(true);
    expect(holds({ unknown_operator: [1] }, {})).toBe(false);
  });

  it('names the form fields a fact URL carries, once each', () => {
    expect(urlFields('http://h/c/{company.code}?q={name}&again={name}')).toEqual(['company.code', 'name']);
    expect(urlFields('http://h/static')).toEqual([]);
  });
});

describe('ruleDataPaths', () => {
  const facts = { registry: { url: 'https://registry.example/companies/{creditCode}/{region.code}' } };

  it("names the form paths a rule's answer depends on: its own variables and its facts' URL fields", () => {
    const rule: JsonLogic = {
      and: [
        { '==': [{ var: 'facts.registry.status' }, 'active'] },
        { '<': [{ var: 'seats' }, 30] },
        { missing: ['applicant.name'] },
        // Inside `some`, `var` reads each element: `kind` is no form path.
        { some: [{ var: 'rooms' }, { '==': [{ var: 'kind' }, 'kitchen'] }] },
      ],
    };
    expect(ruleDataPaths(rule, facts)).toEqual([
      'seats',
      'applicant.name',
      'rooms',
      'creditCode',
      'region.code',
    ]);
    expect(ruleDataPaths({ '==': [{ var: 'facts.unknown.x' }, 1] }, facts)).toEqual([]);
  });

  it('reads a variable named by an array of literals as json-logic-js does, by its name as a string', () => {
    const negated: JsonLogic = { '!=': [{ var: [['facts.registry.status']] }, 'listed'] };
    expect(factsUsed(negated)).toEqual(['registry']);
    expect(holds(negated, { facts: { registry: { status: 'listed' } } })).toBe(false);
    expect(ruleDataPaths({ '<': [{ var: [['seats'], 0] }, 30] }, facts)).toEqual(['seats']);
    expect(valuesRead({ var: [[['seats']]] }, { seats: 3 })).toEqual({ seats: 3 });
    // `false` is a name too (json-logic-js reads the whole data only for "", null and nothing).
    expect(holds({ var: false }, { false: 1 })).toBe(true);
    expect(ruleDataPaths({ var: false }, facts)).toEqual(['false']);
  });

  it('reads the keys missing checks as json-logic-js does: each as a var, a key that is an array by its first element', () => {
    const negated: JsonLogic = { '!': { missing: [[['facts.registry.status']]] } };
    expect(factsUsed(negated)).toEqual(['registry']);
    expect(holds(negated, { facts: { registry: { status: 'listed' } } })).toBe(true);
    expect(holds(negated, { facts: {} })).toBe(false);
    // A first argument that is a list is the keys; the arguments after it are evaluated, and read what they name.
    expect(ruleDataPaths({ missing: [['seats', 'region.code'], { var: 'rooms' }] }, facts)).toEqual([
      'seats',
      'region.code',
      'rooms',
    ]);
    // `missing_some` evaluates its count too.
    expect(ruleDataPaths({ missing_some: [{ var: 'seats' }, [['rooms'], 'kitchen']] }, facts)).toEqual([
      'seats',
      'rooms',
    ]);
    expect(ruleDataPaths({ missing: [[{ cat: ['se', 'ats'] }]] }, facts)).toBeNull();
    expect(ruleDataPaths({ missing: [[[]]] }, facts)).toBeNull();
  });

  it('answers null, "may read any", for a computed variable or the whole data outside an element scope', () => {
    expect(ruleDataPaths({ var: { cat: ['se', 'ats'] } }, facts)).toBeNull();
    expect(ruleDataPaths({ '!!': { var: '' } }, facts)).toBeNull();
    expect(ruleDataPaths({ var: ['seats', { var: 'other' }] }, facts)).toEqual(['seats', 'other']);
    expect(ruleDataPaths({ var: ['seats', { var: [{ cat: ['a'] }] }] }, facts)).toBeNull();
    expect(ruleDataPaths({ '!!': { var: [] } }, facts)).toBeNull();
    expect(ruleDataPaths({ missing: [{ cat: ['se', 'ats'] }] }, facts)).toBeNull();
    expect(ruleDataPaths({ missing_some: [1, { merge: [['a'], ['b']] }] }, facts)).toBeNull();
    expect(ruleDataPaths({ missing_some: [1, ['a', 'b']] }, facts)).toEqual(['a', 'b']);
    // The element itself, inside `map`, is no read of the form.
    expect(ruleDataPaths({ map: [{ var: 'rooms' }, { var: '' }] }, facts)).toEqual(['rooms']);
  });
});
