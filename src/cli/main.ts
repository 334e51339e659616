#!/usr/bin/env node
import 'reflect-metadata';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analysisClock } from '../calendar/analysis-clock.util.js';
import { loadCalendars, SHIPPED_CALENDARS_DIR } from '../calendar/calendar-registry.js';
import type { BusinessCalendar } from '../calendar/calendar.util.js';
import { INSTANT_FORMS, parseInstant } from '../common/instant.util.js';
import { checkDefinition } from '../definitions/check-definition.util.js';
import { analyze } from '../definitions/definition-graph.util.js';
import type { Analysis, WorkflowDefinition } from '../definitions/definition.types.js';
import { toMermaid } from '../definitions/mermaid.util.js';
import { analysisTable, type FileReport } from './analysis-report.util.js';

/**
 * `parallel-approvals validate|analyze|diagram FILE…`: checks workflow documents exactly as the server registers
 * them (same validation, calendars and default fact-host policy) and prints their analysis or Mermaid diagram.
 * Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage error. No database is involved.
 */

const USAGE = `usage: parallel-approvals <command> [options] FILE|DIR...

commands:
  validate   check each workflow document; every error with its file and JSON path
  analyze    serial and parallel committed time, compression, critical path, hand-offs (--json for JSON)
  diagram    Mermaid flowchart of the dependency graph, critical path highlighted

A directory stands for its *.json files (workflow.schema.json excepted), as registered at start-up.

options:
  --json                  analyze, validate: print JSON instead of text
  --calendars-dir DIR     calendars besides the shipped ones (as CALENDARS_DIR)
  --fact-hosts H1,H2      report a fact on any other host (as FACTS_ALLOWED_HOSTS); default: hosts unchecked
  --from INSTANT          analyze, diagram: reference instant (ISO 8601) for limits mixing working days with hours
  -h, --help              this text
`;

const COMMANDS = ['validate', 'analyze', 'diagram'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

interface Options {
  command: Command;
  files: string[];
  json: boolean;
  calendars: Map<string, BusinessCalendar>;
  factHosts: string[] | undefined;
  from?: Date;
}

function parse(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'calendars-dir': { type: 'string' },
        'fact-hosts': { type: 'string' },
        from: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...paths] = positionals;
  if (command === undefined) throw new UsageError('a command is required');
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(`unknown command '${command}' (validate, analyze or diagram)`);
  if (paths.length === 0) throw new UsageError(`${command} needs at least one FILE or DIR`);
  // As strict as the API's instants: `new Date` reads "1" or "March 3" as some instant, silently.
  const from = values.from === undefined ? undefined : parseInstant(values.from);
  if (from === null)
    throw new UsageError(`--from must be an ISO 8601 instant, ${INSTANT_FORMS} (got '${values.from}')`);
  let calendars: Map<string, BusinessCalendar>;
  try {
    const extra = values['calendars-dir'];
    calendars = loadCalendars(extra ? [SHIPPED_CALENDARS_DIR, extra] : [SHIPPED_CALENDARS_DIR]);
  } catch (error) {
    throw new UsageError(`--calendars-dir: ${(error as Error).message}`);
  }
  // Without --fact-hosts no host is checked, as the service registers a fact on any host (its lookups then fail).
  const factHosts = values['fact-hosts']
    ?.split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  return { command: command as Command, files: expand(paths), json: values.json, calendars, factHosts, from };
}

/** Directories stand for their workflow files, in name order, as the service registers them. */
function expand(paths: string[]): string[] {
  return paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      return [path]; // reported as unreadable, with the file's name
    }
    if (!isDirectory) return [path];
    return readdirSync(path)
      .filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json')
      .sort()
      .map((f) => join(path, f));
  });
}

function check(file: string, options: Options): FileReport & { definition: WorkflowDefinition | null } {
  const failed = (message: string) => ({
    file,
    key: null,
    valid: false,
    errors: [{ path: '$', message }],
    analysis: null,
    definition: null,
  });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return failed(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return failed(`is not JSON: ${(error as Error).message}`);
  }
  const { definition, errors } = checkDefinition(document, {
    allowedFactHosts: options.factHosts,
    hasCalendar: (name) => options.calendars.has(name),
  });
  let analysis: Analysis | null = null;
  if (definition) {
    const calendar = definition.calendar ? options.calendars.get(definition.calendar) : undefined;
    analysis = analyze(definition, analysisClock(calendar, options.from));
  }
  return { file, key: definition?.key ?? null, valid: errors.length === 0, errors, analysis, definition };
}

function run(options: Options): number {
  const reports = options.files.map((file) => check(file, options));
  const out: string[] = [];
  for (const r of reports) {
    for (const e of r.errors) process.stderr.write(`${r.file}: ${e.path} ${e.message}\n`);
  }
  if (options.command === 'validate') {
    if (options.json)
      out.push(
        JSON.stringify(
          reports.map(({ file, key, valid, errors }) => ({ file, key, valid, errors })),
          null,
          2,
        ) + '\n',
      );
    else
      for (const r of reports)
        if (r.valid) out.push(`${r.file}: valid (${r.key}, ${r.definition!.steps.length} steps)\n`);
  } else if (options.command === 'analyze') {
    if (options.json)
      out.push(
        JSON.stringify(
          reports.map(({ definition: _, ...r }) => r),
          null,
          2,
        ) + '\n',
      );
    else
      out.push(
        reports
          .flatMap((r) => (r.analysis ? [analysisTable({ ...r, analysis: r.analysis })] : []))
          .join('\n'),
      );
  } else {
    const valid = reports.filter((r) => r.definition && r.analysis);
    out.push(
      valid
        .map((r) => (valid.length > 1 ? `%% ${r.file}\n` : '') + toMermaid(r.definition!, r.analysis!))
        .join('\n'),
    );
  }
  process.stdout.write(out.join(''));
  return reports.every((r) => r.valid) ? 0 : 1;
}

function main(): number {
  let options: Options | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`parallel-approvals: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return run(options);
}

process.exitCode = main();
