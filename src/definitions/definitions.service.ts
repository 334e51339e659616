import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { ValidateFunction } from 'ajv';
import { analysisClock } from '../calendar/analysis-clock.util.js';
import { CalendarService } from '../calendar/calendar.service.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { jsonLimitsOf } from '../config/security-config.js';
import { DomainException, ErrorCode } from '../common/domain.exception.js';
import { runPrepared } from '../common/prepared-statement.util.js';
import type { NamedStatement } from '../common/prepared-statement.util.js';
import { WorkerThread, WorkerThreadTimeoutError } from '../common/worker-thread.util.js';
import { buildWorkflowMachine } from '../engine/workflow-machine.util.js';
import type { CompiledWorkflow } from './compiled-workflow.types.js';
import { analyze, commitment, resolveDependencies, topologicalOrder } from './definition-graph.util.js';
import type { AnalysisClock } from './definition-graph.util.js';
import type { Analysis, Commitment, DefinitionError, WorkflowDefinition } from './definition.types.js';
import { compileFormSchema, loadFormValidator } from './form-schema.util.js';
import { checkAndHash } from './check-definition.util.js';
import type { CheckedDefinition } from './check-definition.util.js';
import type { DefinitionCheckRequest } from './definition-check.worker.js';
import { ID_PATTERN } from './definition.dto.js';
import { factHostWarnings } from './validate-definition.util.js';
import { WorkflowVersionEntity } from './workflow-version.entity.js';

const LATEST_VERSION: NamedStatement = {
  name: 'pa_latest_workflow_version',
  text: 'SELECT max(version) AS version FROM workflow_versions WHERE key = $1',
};

/** The checker's heap: far above what the largest document the body limit admits needs. */
const CHECK_HEAP_MB = 512;

/**
 * The form compiler's heap: the same bound as the checker's, which compiles the same form (among the rest of the
 * document) at registration.
 */
const FORM_COMPILE_HEAP_MB = CHECK_HEAP_MB;

/**
 * Forms up to this many characters of JSON compile on the event loop, in a few milliseconds (the shipped ones, 1.3-2.6
 * thousand, take 3-10 ms); larger ones on a thread of their own. The compilation grows with the form: 15,500
 * characters of fields with patterns took 50-120 ms, holding every other request for as long.
 */
const FORM_ON_LOOP_MAX_CHARS = 4096;

/** Sets of skipped steps whose commitment a compiled version remembers, the most recently used. */
const COMMITMENTS_KEPT = 256;

/** A commitment shared by every view that reads it: none may change it for the others. */
function frozen(found: Commitment): Commitment {
  Object.freeze(found.criticalPath);
  return Object.freeze(found);
}

export interface Registration {
  created: boolean;
  key: string;
  version: number;
  analysis: Analysis;
  /** What this deployment will make of it that does not make it invalid (`factHostWarnings`); absent when none. */
  warnings?: DefinitionError[];
}

@Injectable()
export class DefinitionsService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DefinitionsService.name);
  /**
   * Checking a definition grows with it: the largest the body limit admits held the event loop for about a second
   * (class-validator, rule walks, the form's compilation, the content hash). Requests check on this thread.
   */
  private readonly checker: WorkerThread<DefinitionCheckRequest, CheckedDefinition>;
  /** Compiles the validators of large forms (FORM_ON_LOOP_MAX_CHARS) into module source: formValidatorSource. */
  private readonly formCompiler: WorkerThread<Record<string, unknown>, string>;
  /** Versions compiled or being compiled, so that requests arriving together share one compilation. */
  private readonly compiled = new Map<string, Promise<CompiledWorkflow>>();
  /** Per workflow key, the latest version this process has read or registered (see loadLatest). */
  private readonly latestSeen = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly calendars: CalendarService,
  ) {
    // DEFINITION_CHECK_TIMEOUT_MS: the bounds on a definition (docs/security.md) keep the slowest document the body
    // limit admits to a second or two on a 2-core machine; the limit only catches what they missed.
    this.checker = new WorkerThread({
      entry: new URL('./definition-check.worker.js', import.meta.url),
      timeoutMs: config.security.definitionCheckTimeoutMs,
      maxHeapMb: CHECK_HEAP_MB,
    });
    // A registered form was compiled within these bounds at registration, as part of its whole document's check.
    this.formCompiler = new WorkerThread({
      entry: new URL('./form-compile.worker.js', import.meta.url),
      timeoutMs: config.security.definitionCheckTimeoutMs,
      maxHeapMb: FORM_COMPILE_HEAP_MB,
    });
  }

  /** Before any worker starts: see requireStoredCalendars. */
  async onModuleInit(): Promise<void> {
    await this.requireStoredCalendars();
  }

  /** Registers `workflows/*.json`; one invalid file stops the start, naming the file and all its errors. */
  async onApplicationBootstrap(): Promise<void> {
    const dir = this.config.workflowsDir;
    const files = (await readdir(dir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json')
      .sort();
    for (const file of files) {
      const path = join(dir, file);
      let document: unknown;
      try {
        document = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new Error(`Workflow file ${path} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      const registration = await this.registerAtStart(document).catch((error: unknown) => {
        if (!(error instanceof DomainException)) throw error;
        const errors = error.errors.map((e) => `${e.path} ${e.message}`).join('; ');
        throw new Error(`Workflow file ${path} is invalid: ${errors}`, { cause: error });
      });
      this.logger.log(
        `${file}: ${registration.key} v${registration.version}${registration.created ? ' registered' : ''}`,
      );
      for (const warning of registration.warnings ?? [])
        this.logger.warn(`${file}: ${warning.path} ${warning.message}`);
    }
  }

  /**
   * A calendar taken away (its file gone from CALENDARS_DIR) after a version was registered on it would fail every
   * event of that version's applications that counts a time limit, and its analysis: the start refuses instead.
   */
  private async requireStoredCalendars(): Promise<void> {
    const named = await this.dataSource.query<{ calendar: string; key: string; version: number }[]>(
      `SELECT DISTINCT ON (definition->>'calendar') definition->>'calendar' AS calendar, key, version
         FROM workflow_versions WHERE definition->>'calendar' IS NOT NULL
        ORDER BY definition->>'calendar', key, version`,
    );
    const missing = named.filter((row) => !this.calendars.has(row.calendar));
    if (missing.length > 0) {
      const list = missing.map((row) => `${row.calendar} (named by ${row.key} v${row.version})`).join(', ');
      throw new Error(
        `Calendars of stored workflow versions are not loaded: ${list}; put their files back in CALENDARS_DIR`,
      );
    }
  }

  /** A document read before the process serves anything (a workflow file, the warm-up's): checked on the event loop. */
  async registerAtStart(document: unknown): Promise<Registration> {
    const checked = checkAndHash(document, {
      ...this.checkOptions(),
      hasCalendar: (name) => this.calendars.has(name),
    });
    return this.registerChecked(checked, document);
  }

  /** After the HTTP server has closed: a request still in flight when the process was told to stop gets its check. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.checker.close(), this.formCompiler.close()]);
  }

  /** `checkAndHash` on the checker's thread; a document it cannot check in time or memory is invalid. */
  private async checkOffThread(document: unknown): Promise<CheckedDefinition> {
    const calendars = this.calendars.list().map((c) => c.name);
    try {
      return await this.checker.run({ document, options: { ...this.checkOptions(), calendars } });
    } catch (error) {
      // What the document itself caused is its fault, and said so; a thread that failed otherwise is ours (500).
      const message =
        error instanceof WorkerThreadTimeoutError
          ? `could not be checked within ${error.timeoutMs} ms`
          : (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `could not be checked within ${CHECK_HEAP_MB} MB of memory`
            : undefined;
      if (message === undefined) throw error;
      return { definition: null, errors: [{ path: '$', message }], hash: null };
    }
  }

  private checkOptions() {
    // No allowedFactHosts: the contract accepts a fact on any host, and a lookup the operator does not allow fails
    // when it runs, so its rule does not hold (FactsService.lookup). The CLI's --fact-hosts still checks a file.
    return {
      ruleCostBudget: this.config.security.ruleCostBudget,
      ...jsonLimitsOf(this.config.security),
      maxBodyBytes: this.config.bodyLimitBytes,
    };
  }

  async analyzeDocument(document: unknown) {
    const { definition, errors } = await this.checkOffThread(document);
    return {
      valid: errors.length === 0,
      errors,
      analysis: definition ? this.analyze(definition) : null,
      ...(definition ? this.warnings(definition) : {}),
    };
  }

  /** The analysis on the workflow's own calendar, which places working days when units mix. */
  analyze(definition: WorkflowDefinition): Analysis {
    return analyze(definition, this.clockOf(definition));
  }

  private clockOf(definition: WorkflowDefinition): AnalysisClock {
    return analysisClock(definition.calendar ? this.calendars.get(definition.calendar) : undefined);
  }

  /** `{ warnings }` when there are any, else nothing: a contract-shaped body in the usual case. */
  private warnings(definition: WorkflowDefinition): { warnings?: DefinitionError[] } {
    const warnings = factHostWarnings(definition, this.config.factsAllowedHosts);
    return warnings.length > 0 ? { warnings } : {};
  }

  /** An identical document returns the latest version; a changed one becomes the next version. */
  async register(document: unknown): Promise<Registration> {
    return this.registerChecked(await this.checkOffThread(document), document);
  }

  private async registerChecked(
    { definition, errors, hash }: CheckedDefinition,
    document: unknown,
  ): Promise<Registration> {
    if (!definition || hash === null)
      throw DomainException.invalid('The workflow definition is invalid', errors);
    // The check accepted it, so it is a definition, as posted: without the defaults `definition` fills in.
    return this.store({ definition, hash, document: document as WorkflowDefinition });
  }

  private async store({
    definition,
    hash,
    document,
  }: {
    definition: WorkflowDefinition;
    hash: string;
    document: WorkflowDefinition;
  }): Promise<Registration> {
    // Before the transaction: its lock serialises every registration of the key, and its connection is the pool's.
    const analysis = this.analyze(definition);
    const warnings = this.warnings(definition);
    const registration = await this.dataSource.transaction(async (manager): Promise<Registration> => {
      // Serialises registrations of one key so two writers cannot both take the next version number.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`workflow:${definition.key}`]);
      const latest = await manager.findOne(WorkflowVersionEntity, {
        where: { key: definition.key },
        order: { version: 'DESC' },
      });
      if (latest?.contentHash === hash) {
        return { created: false, key: latest.key, version: latest.version, analysis, ...warnings };
      }
      const version = (latest?.version ?? 0) + 1;
      await manager.insert(WorkflowVersionEntity, {
        key: definition.key,
        version,
        name: definition.name,
        definition: definition as never,
        document: document as never,
        contentHash: hash,
      });
      return { created: true, key: definition.key, version, analysis, ...warnings };
    });
    this.noteLatest(registration.key, registration.version);
    return registration;
  }

  async list(): Promise<{ key: string; name: string; version: number }[]> {
    return this.dataSource.query(
      `SELECT DISTINCT ON (key) key, name, version FROM workflow_versions ORDER BY key, version DESC`,
    );
  }

  async get(key: string, version?: number) {
    const compiled = await this.load(key, version);
    return {
      key: compiled.key,
      version: compiled.version,
      name: compiled.definition.name,
      definition: compiled.document,
      analysis: compiled.analysis,
    };
  }

  /** The compiled workflow of a version, or of the latest version when none is named. 404 when unknown. */
  async load(
    key: string,
    version?: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CompiledWorkflow> {
    // No workflow has such a key; not echoed, as it may be anything a client sent (a submission takes any string).
    if (!ID_PATTERN.test(key)) throw DomainException.notFound('Workflow');
    // Inside a transaction the caller passes its manager: a second pool connection per request could starve the pool.
    // The latest version may have been registered by another process: its number is read every time (one
    // index lookup), the definition only when this process has not compiled that version yet.
    const [latest] =
      version === undefined
        ? await runPrepared<{ version: number | null }>(manager, LATEST_VERSION, [key])
        : [{ version }];
    const wanted = latest?.version ?? undefined;
    if (version === undefined && wanted !== undefined) this.noteLatest(key, wanted);
    const cached = wanted !== undefined ? this.compiled.get(`${key}@${wanted}`) : undefined;
    if (cached) return cached;
    const row =
      wanted !== undefined ? await manager.findOneBy(WorkflowVersionEntity, { key, version: wanted }) : null;
    if (!row)
      throw DomainException.notFound(`Workflow ${key}${version !== undefined ? ` version ${version}` : ''}`);
    return this.compile(row);
  }

  /**
   * The latest version as this process last saw it, read without a query once it has seen one (`fresh` reads it
   * again). Only for a submission: its write inserts nothing when a later version exists, and it is then planned
   * again with `fresh` (EventExecutor.submit), so a stale guess costs a retry, never an application on an old
   * version.
   */
  async loadLatest(key: string, manager: EntityManager, fresh: boolean): Promise<CompiledWorkflow> {
    return this.load(key, fresh ? undefined : this.latestSeen.get(key), manager);
  }

  private noteLatest(key: string, version: number): void {
    if (version > (this.latestSeen.get(key) ?? 0)) this.latestSeen.set(key, version);
  }

  private compile(row: WorkflowVersionEntity): Promise<CompiledWorkflow> {
    const id = `${row.key}@${row.version}`;
    const existing = this.compiled.get(id);
    if (existing) return existing;
    const compiling = this.build(id, row);
    this.compiled.set(id, compiling);
    // A compilation that failed is not kept: the next request tries again.
    compiling.catch(() => this.compiled.delete(id));
    return compiling;
  }

  private async build(id: string, row: WorkflowVersionEntity): Promise<CompiledWorkflow> {
    const definition = row.definition;
    const validateForm = await this.formValidator(id, definition.form);
    const dependencies = resolveDependencies(definition);
    const order = topologicalOrder(definition);
    const steps = new Map(definition.steps.map((s) => [s.id, s]));
    const clock = this.clockOf(definition);
    // One entry per set of skipped steps seen: a handful for a real workflow, whose `when`s follow its data. A
    // workflow of many `when`s keeps the sets used last (a Map iterates in insertion order: the first is the oldest);
    // a miss costs up to some 20 ms for 200 steps mixing units far into the calendar.
    const commitments = new Map<string, Commitment>();
    return {
      key: row.key,
      version: row.version,
      definition,
      timeZone: definition.calendar ? this.calendars.get(definition.calendar).timeZone : null,
      document: row.document ?? definition,
      dependencies,
      order,
      analysis: analyze(definition, clock),
      commitment: (skipped) => {
        const key = skipped.join(' ');
        const found =
          commitments.get(key) ??
          frozen(commitment({ def: definition, dependencies, order, clock, skipped: new Set(skipped) }));
        commitments.delete(key);
        commitments.set(key, found);
        if (commitments.size > COMMITMENTS_KEPT) commitments.delete(commitments.keys().next().value!);
        return found;
      },
      machine: buildWorkflowMachine(definition, row.version, dependencies),
      validateForm,
      step: (stepId) => {
        const step = steps.get(stepId);
        if (!step) throw new Error(`${id} has no step ${stepId}`);
        return step;
      },
    };
  }

  /**
   * A large form's validator is compiled on the form compiler's thread and loaded here. Should that thread fail to
   * start or crash, the form compiles here: a wait for every other request once, rather than no submissions to the
   * version. A compilation that ran out of time or memory there would hold the event loop as long here: the request
   * is answered 503 instead (the machine is too busy to compile what registration compiled), and the next tries again.
   */
  private async formValidator(id: string, form: Record<string, unknown>): Promise<ValidateFunction> {
    if (JSON.stringify(form).length <= FORM_ON_LOOP_MAX_CHARS) return compileFormSchema(form);
    try {
      return loadFormValidator(form, await this.formCompiler.run(form));
    } catch (error) {
      const tooCostly =
        error instanceof WorkerThreadTimeoutError ||
        (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (tooCostly)
        throw new DomainException(
          ErrorCode.Unavailable,
          `The form of ${id} could not be compiled within the limits of DEFINITION_CHECK_TIMEOUT_MS and its heap; ` +
            'try again shortly',
        );
      const reason = String((error as Error).message).split('\n', 1)[0];
      this.logger.warn(`${id}: the form compiler's thread failed (${reason}); compiling here`);
      return compileFormSchema(form);
    }
  }
}
