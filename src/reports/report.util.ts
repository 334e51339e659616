import type { Analysis } from '../definitions/definition.types.js';
import { APPLICATION_STATUSES } from '../engine/workflow-machine.util.js';

/** One row of the report query (see reports.service.ts), as PostgreSQL returns it. */
export interface ReportRow {
  byStatus: Record<string, number>;
  total: number;
  decided: number;
  median: number | null;
  p90: number | null;
  departments: {
    department: string;
    decided: number;
    medianDecisionSeconds: number | null;
    onTime: number;
    deemedApprovals: number;
    ruleApprovals: number;
    returns: number;
    ratings: number;
    ratingAverage: number | null;
  }[];
  speedupApplications: number;
  serial: number;
  elapsed: number;
  pathApplications: number;
  topPaths: { steps: string[]; applications: number }[];
  onPath: { department: string; applications: number; seconds: number }[];
}

export interface WorkflowReport {
  workflow: string;
  from: string | null;
  to: string | null;
  applications: { total: number; byStatus: Record<(typeof APPLICATION_STATUSES)[number], number> };
  endToEnd: { decided: number; medianSeconds: number | null; p90Seconds: number | null };
  departments: {
    department: string;
    decided: number;
    medianDecisionSeconds: number | null;
    onTime: number;
    onTimeRate: number | null;
    deemedApprovals: number;
    ruleApprovals: number;
    returns: number;
    ratings: number;
    ratingAverage: number | null;
  }[];
  speedup: {
    decidedApplications: number;
    serialSeconds: number;
    elapsedSeconds: number;
    realised: number | null;
    realisedCompression: number | null;
    committed: number | null;
    committedCompression: number;
  };
  bottleneck: {
    applications: number;
    department: string | null;
    departments: { department: string; applications: number; share: number; seconds: number }[];
    paths: { steps: string[]; applications: number }[];
  };
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const seconds = (x: number | null): number | null => (x === null ? null : round(x, 3));

/** The report from the query's row and the workflow's committed analysis: ratios, rates and rounding only. */
export function buildReport(input: {
  workflow: string;
  from: Date | null;
  to: Date | null;
  row: ReportRow;
  analysis: Analysis;
}): WorkflowReport {
  const { row, analysis } = input;
  const byStatus = Object.fromEntries(APPLICATION_STATUSES.map((s) => [s, row.byStatus[s] ?? 0])) as Record<
    (typeof APPLICATION_STATUSES)[number],
    number
  >;
  const realised = row.elapsed > 0 ? round(row.serial / row.elapsed, 4) : null;
  const departments = row.onPath.map((d) => ({
    department: d.department,
    applications: d.applications,
    share: row.pathApplications > 0 ? round(d.applications / row.pathApplications, 4) : 0,
    seconds: round(d.seconds, 3),
  }));
  return {
    workflow: input.workflow,
    from: input.from?.toISOString() ?? null,
    to: input.to?.toISOString() ?? null,
    applications: { total: row.total, byStatus },
    endToEnd: { decided: row.decided, medianSeconds: seconds(row.median), p90Seconds: seconds(row.p90) },
    departments: row.departments.map((d) => ({
      department: d.department,
      decided: d.decided,
      medianDecisionSeconds: seconds(d.medianDecisionSeconds),
      onTime: d.onTime,
      onTimeRate: d.decided > 0 ? round(d.onTime / d.decided, 4) : null,
      deemedApprovals: d.deemedApprovals,
      ruleApprovals: d.ruleApprovals,
      returns: d.returns,
      ratings: d.ratings,
      ratingAverage: d.ratingAverage,
    })),
    speedup: {
      decidedApplications: row.speedupApplications,
      serialSeconds: round(row.serial, 3),
      elapsedSeconds: round(row.elapsed, 3),
      realised,
      realisedCompression: row.serial > 0 && row.elapsed > 0 ? round(1 - row.elapsed / row.serial, 4) : null,
      committed: analysis.parallel > 0 ? round(analysis.serial / analysis.parallel, 4) : null,
      committedCompression: analysis.compression,
    },
    bottleneck: {
      applications: row.pathApplications,
      department: departments[0]?.department ?? null,
      departments,
      paths: row.topPaths,
    },
  };
}

/** The report as CSV: one row per figure (`section,subject,metric,value`), RFC 4180 quoting. */
export function reportCsv(report: WorkflowReport): string {
  const rows: (string | number | null)[][] = [['section', 'subject', 'metric', 'value']];
  const add = (section: string, subject: string, metric: string, value: string | number | null) =>
    rows.push([section, subject, metric, value]);
  add('workflow', report.workflow, 'from', report.from);
  add('workflow', report.workflow, 'to', report.to);
  add('applications', '', 'total', report.applications.total);
  for (const [status, n] of Object.entries(report.applications.byStatus))
    add('applications', status, 'count', n);
  add('end_to_end', '', 'decided', report.endToEnd.decided);
  add('end_to_end', '', 'median_seconds', report.endToEnd.medianSeconds);
  add('end_to_end', '', 'p90_seconds', report.endToEnd.p90Seconds);
  for (const d of report.departments) {
    add('department', d.department, 'decided', d.decided);
    add('department', d.department, 'median_decision_seconds', d.medianDecisionSeconds);
    add('department', d.department, 'on_time', d.onTime);
    add('department', d.department, 'on_time_rate', d.onTimeRate);
    add('department', d.department, 'deemed_approvals', d.deemedApprovals);
    add('department', d.department, 'rule_approvals', d.ruleApprovals);
    add('department', d.department, 'returns', d.returns);
    add('department', d.department, 'ratings', d.ratings);
    add('department', d.department, 'rating_average', d.ratingAverage);
  }
  const s = report.speedup;
  add('speedup', '', 'decided_applications', s.decidedApplications);
  add('speedup', '', 'serial_seconds', s.serialSeconds);
  add('speedup', '', 'elapsed_seconds', s.elapsedSeconds);
  add('speedup', '', 'realised', s.realised);
  add('speedup', '', 'realised_compression', s.realisedCompression);
  add('speedup', '', 'committed', s.committed);
  add('speedup', '', 'committed_compression', s.committedCompression);
  add('bottleneck', '', 'applications', report.bottleneck.applications);
  add('bottleneck', '', 'department', report.bottleneck.department);
  for (const d of report.bottleneck.departments) {
    add('bottleneck_department', d.department, 'applications', d.applications);
    add('bottleneck_department', d.department, 'share', d.share);
    add('bottleneck_department', d.department, 'seconds', d.seconds);
  }
  for (const p of report.bottleneck.paths)
    add('critical_path', p.steps.join(' > '), 'applications', p.applications);
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: department names are admin data, but quote them out.
  const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
