import { describe, expect, it } from '@jest/globals';
import { inboxStatement } from './inbox-sql.util.js';

describe('inboxStatement', () => {
  const officer = { status: 'open', departments: ['fire'], rulePending: false, limit: 51 };

  it("reads an officer's open tasks by department, most urgent first, one row more than the page", () => {
    const { statement, values } = inboxStatement(officer);
    expect(statement.name).toBe('pa_inbox_d');
    expect(statement.text).toContain('t.status = $1 AND t.department = $2 AND t.rule_pending = $3');
    expect(statement.text).toContain('ORDER BY t.due_at, t.id LIMIT $4');
    expect(values).toEqual(['open', 'fire', false, 51]);
  });

  it('leaves the department out for an admin, and matches any of several departments', () => {
    expect(inboxStatement({ ...officer, departments: null }).statement.text).not.toContain('department');
    const several = inboxStatement({ ...officer, departments: ['fire', 'tax'] });
    expect(several.statement.text).toContain('t.department = ANY($2::text[])');
    expect(several.values[1]).toEqual(['fire', 'tax']);
  });

  it('names each combination of filters, so one text is prepared under one name', () => {
    const all = inboxStatement({
      ...officer,
      overdue: true,
      claimedBy: 'ann',
      workflow: 'bench',
      after: { dueAt: '2026-12-01T08:00:00.000Z', id: '00000000-0000-4000-8000-000000000001' },
    });
    expect(all.statement.name).toBe('pa_inbox_domwc');
    expect(all.statement.text).toContain('(t.due_at, t.id) > ($7::timestamptz, $8::uuid)');
    expect(all.values).toEqual([
      'open',
      'fire',
      false,
      true,
      'ann',
      'bench',
      '2026-12-01T08:00:00.000Z',
      '00000000-0000-4000-8000-000000000001',
      51,
    ]);
    expect(inboxStatement({ ...officer, unclaimed: true }).statement.text).toContain('t.claimed_by IS NULL');
    // The same filters give the same text, under the same name.
    expect(inboxStatement(officer).statement).toEqual(inboxStatement({ ...officer }).statement);
  });
});
