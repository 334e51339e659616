import type { Analysis, DefinitionError } from '../definitions/definition.types.js';

/** One file's outcome, as `analyze --json` prints it. */
export interface FileReport {
  file: string;
  key: string | null;
  valid: boolean;
  errors: DefinitionError[];
  analysis: Analysis | null;
}

/** `2 d 15 h 30 min` for a number of seconds; whole units only, largest first. */
export function formatSeconds(total: number): string {
  const parts: string[] = [];
  let rest = Math.round(total);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

function amount(analysis: Analysis, value: number): string {
  if (analysis.unit === 'workingDays') return `${value} working day${value === 1 ? '' : 's'}`;
  return `${formatSeconds(value)} (${value} s)`;
}

/** The human-readable table of one valid file's analysis. */
export function analysisTable(report: FileReport & { analysis: Analysis }): string {
  const a = report.analysis;
  const rows: [string, string][] = [
    ['serial', amount(a, a.serial)],
    ['parallel', amount(a, a.parallel)],
    ['compression', `${(a.compression * 100).toFixed(1)}%`],
    ['critical path', a.criticalPath.join(' -> ')],
  ];
  if (a.referenceInstant) rows.push(['units mixed', `placed on the calendar from ${a.referenceInstant}`]);
  const kept = a.handoffs.filter((h) => h.kept);
  const dropped = a.handoffs.filter((h) => !h.kept);
  rows.push([
    'hand-offs',
    `${a.handoffs.length} in the listed order: ${kept.length} kept, ${dropped.length} dropped`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`${report.key} (${report.file})`];
  for (const [label, value] of rows) lines.push(`  ${label.padEnd(width)}  ${value}`);
  for (const h of a.handoffs) {
    const pair = `${h.from} -> ${h.to}`;
    if (!h.kept) lines.push(`    dropped  ${pair}  (no data flows along it)`);
    else if (h.values.length > 0) lines.push(`    kept     ${pair}  (needs ${h.values.join(', ')})`);
    else if (h.declared) lines.push(`    kept     ${pair}  (declared after)`);
    else lines.push(`    kept     ${pair}  (through ${h.via.join(' -> ')})`);
  }
  if (a.redundant.length > 0) {
    lines.push(`  redundant after (${a.redundant.length})`);
    for (const r of a.redundant) {
      const why =
        r.values.length > 0
          ? `already needs ${r.values.join(', ')} from it`
          : `implied by ${r.via.join(' -> ')}`;
      lines.push(`    ${r.path}  ${r.step} after ${r.after}: ${why}`);
    }
  }
  return lines.join('\n') + '\n';
}
