import { describe, expect, it } from '@jest/globals';
import type { Analysis } from '../definitions/definition.types.js';
import { buildReport, reportCsv, type ReportRow } from './report.util.js';

const analysis = { serial: 60, parallel: 18, compression: 0.7 } as Analysis;

const empty: ReportRow = {
  byStatus: {},
  total: 0,
  decided: 0,
  median: null,
  p90: null,
  departments: [],
  speedupApplications: 0,
  serial: 0,
  elapsed: 0,
  pathApplications: 0,
  topPaths: [],
  onPath: [],
};

const build = (row: Partial<ReportRow>) =>
  buildReport({ workflow: 'w', from: null, to: null, row: { ...empty, ...row }, analysis });

describe('buildReport', () => {
  it('gives every status a count and leaves ratios null when nothing was decided', () => {
    const report = build({});
    expect(report.applications.byStatus).toEqual({
      in_review: 0,
      correction_requested: 0,
      approved: 0,
      rejected: 0,
      withdrawn: 0,
      lapsed: 0,
    });
    expect(report.speedup).toEqual({
      decidedApplications: 0,
      serialSeconds: 0,
      elapsedSeconds: 0,
      realised: null,
      realisedCompression: null,
      committed: 3.3333,
      committedCompression: 0.7,
    });
    expect(report.bottleneck).toEqual({ applications: 0, department: null, departments: [], paths: [] });
  });

  it('divides work in series by elapsed time, and on-path applications by all traced ones', () => {
    const report = build({
      speedupApplications: 2,
      serial: 30,
      elapsed: 20,
      pathApplications: 3,
      onPath: [
        { department: 'planning', applications: 2, seconds: 10.12345 },
        { department: 'fire', applications: 1, seconds: 4 },
      ],
      departments: [
        {
          department: 'fire',
          decided: 3,
          medianDecisionSeconds: 1.23456,
          onTime: 2,
          deemedApprovals: 0,
          ruleApprovals: 0,
          returns: 1,
          ratings: 2,
          ratingAverage: 4.5,
        },
      ],
    });
    expect(report.speedup).toMatchObject({ realised: 1.5, realisedCompression: 0.3333 });
    expect(report.bottleneck.department).toBe('planning');
    expect(report.bottleneck.departments).toEqual([
      { department: 'planning', applications: 2, share: 0.6667, seconds: 10.123 },
      { department: 'fire', applications: 1, share: 0.3333, seconds: 4 },
    ]);
    expect(report.departments[0]).toMatchObject({
      onTimeRate: 0.6667,
      medianDecisionSeconds: 1.235,
      returns: 1,
    });
  });
});

describe('reportCsv', () => {
  it('writes one figure per row with CRLF endings, empty cells for nulls', () => {
    const lines = reportCsv(build({})).split('\r\n');
    expect(lines[0]).toBe('section,subject,metric,value');
    expect(lines).toContain('end_to_end,,median_seconds,');
    expect(lines).toContain('applications,withdrawn,count,0');
    expect(lines.at(-1)).toBe('');
  });

  it('quotes commas and quotes, and defuses spreadsheet formulas in names', () => {
    const csv = reportCsv(
      build({
        pathApplications: 1,
        onPath: [
          { department: 'a,"b"', applications: 1, seconds: 1 },
          { department: '=cmd()', applications: 1, seconds: 1 },
        ],
      }),
    );
    expect(csv).toContain('bottleneck_department,"a,""b""",applications,1');
    expect(csv).toContain("bottleneck_department,'=cmd(),applications,1");
  });
});
