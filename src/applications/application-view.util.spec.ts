import { describe, expect, it } from '@jest/globals';
import { etagOf, namesAnyRevision, revisionNamed } from './application-view.util.js';

describe('revisionNamed', () => {
  const id = '00000000-0000-4000-8000-000000000001';

  it('reads the revision of this application from its own ETag, weak or strong, among several tags', () => {
    expect(revisionNamed(etagOf({ id, revision: 7 }), id)).toBe(7);
    expect(revisionNamed(`W/${etagOf({ id, revision: 3 })}`, id)).toBe(3);
    expect(revisionNamed(`"other.2", ${etagOf({ id, revision: 12 })}`, id)).toBe(12);
  });

  it("names no revision for another application's tag, a malformed tag, a wildcard or no header", () => {
    expect(revisionNamed('"00000000-0000-4000-8000-000000000002.4"', id)).toBeNull();
    expect(revisionNamed(`"${id}.x"`, id)).toBeNull();
    expect(revisionNamed(`"${id}.07"`, id)).toBeNull();
    expect(revisionNamed(`${id}.7`, id)).toBeNull();
    expect(revisionNamed(`"${id}.99999999999"`, id)).toBeNull();
    expect(revisionNamed('*', id)).toBeNull();
    expect(revisionNamed(undefined, id)).toBeNull();
  });
});

describe('namesAnyRevision', () => {
  it('is true for *, alone or in a list, and false for tags and an absent header', () => {
    expect(namesAnyRevision('*')).toBe(true);
    expect(namesAnyRevision(' "a.1" , * ')).toBe(true);
    expect(namesAnyRevision('"*.1"')).toBe(false);
    expect(namesAnyRevision('W/"a.1"')).toBe(false);
    expect(namesAnyRevision(undefined)).toBe(false);
  });
});
