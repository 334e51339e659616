import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { WorkflowDefinitionDto } from './definition.dto.js';
import { compileFormSchema, formMetaErrors } from './form-schema.util.js';
import { formFieldPaths, isRecord, resolveDependencies } from './definition-graph.util.js';
import type { DefinitionError, WorkflowDefinition } from './definition.types.js';
import { isAllowedFactHost } from '../rules/fact-host.util.js';
import { childPath, jsonLogicVars, readsComputedVar, unknownOperations } from '../rules/json-logic.util.js';
import { ruleCost } from '../rules/rule-cost.util.js';
import { misplacedPii } from '../pii/pii-fields.util.js';
import { DEFAULT_JSON_LIMITS, formSafetyErrors } from './form-safety.util.js';

export interface ValidateOptions {
  /** Hosts facts may be fetched from (FACTS_ALLOWED_HOSTS); when given, any other host is an error. */
  allowedFactHosts?: string[];
  /** Rules (`when`, `autoApprove`) estimated to cost more evaluation steps than this are refused (RULE_COST_BUDGET). */
  ruleCostBudget?: number;
  /** The longest array a rule or a form's pattern can meet in application data (JSON_MAX_ARRAY_LENGTH); default 1000. */
  maxArrayLength?: number;
  /** The most properties of one object in application data (JSON_MAX_KEYS); default 1000. */
  maxKeys?: number;
  /** The longest string in application data (JSON_MAX_STRING_LENGTH); default 100000. */
  maxStringLength?: number;
  /** The largest request body (BODY_LIMIT_BYTES); default 1 MiB. */
  maxBodyBytes?: number;
}

export interface ValidationResult {
  definition: WorkflowDefinition | null;
  errors: DefinitionError[];
}

/** Checks a workflow document completely and lists every problem with its JSON path; never throws. */
export function validateDefinition(input: unknown, options: ValidateOptions = {}): ValidationResult {
  if (!isRecord(input))
    return { definition: null, errors: [{ path: '$', message: 'must be a JSON object' }] };

  // Keys that name Object.prototype members crash class-transformer (a key `constructor` anywhere, even inside the
  // raw form) or slip past the whitelist: they are reported, and the rest is checked without them.
  const forbidden = prototypeKeys(input, '$');
  if (forbidden.length > 0) {
    const rest = validateDefinition(withoutPrototypeKeys(input), options);
    return { definition: null, errors: [...rest.errors, ...forbidden] };
  }
  const dto = plainToInstance(WorkflowDefinitionDto, input);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  }).flatMap((e) => flatten(e, '$'));
  errors.push(...arrayInPlaceOfObject(input));
  if (isRecord(input.form)) errors.push(...schemaErrors(input.form, options));

  // Graph checks read ids, data flow and rules: run them only when those parts have a sound shape,
  // so one typo does not cascade into a page of follow-on errors.
  if (!errors.some((e) => GRAPH_INPUT.test(e.path))) {
    errors.push(...graphErrors(input as unknown as WorkflowDefinition, options));
  }
  return {
    definition: errors.length === 0 ? normalise(input as unknown as WorkflowDefinition) : null,
    errors,
  };
}

const GRAPH_INPUT =
  /^\$(\.steps(\[\d+\](\.(id|after|needs|produces|fields|when|autoApprove)\b.*)?)?|\.form\b.*|\.facts\b.*)?$/;

function normalise(def: WorkflowDefinition): WorkflowDefinition {
  const copy = structuredClone(def);
  return {
    ...copy,
    steps: copy.steps.map((s) => ({
      ...s,
      after: s.after ?? [],
      needs: s.needs ?? [],
      produces: s.produces ?? [],
      when: s.when === undefined ? true : s.when, // null is a real (falsy) rule
      onTimeout: s.onTimeout ?? 'escalate',
      signoff: s.signoff ?? 1,
    })),
  };
}

// ---------- class-validator errors as paths ----------

/** The first failing type check says all there is to say about a value; its length or pattern is noise then. */
const TYPE_CHECKS = ['isObject', 'isArray', 'isString', 'isInt', 'nestedValidation'];
/** `each: true` checks name the array; these find the offending elements so each gets its own path. */
const ELEMENT_CHECKS: Record<string, (v: unknown) => boolean> = {
  isString: (v) => typeof v === 'string',
  isNotEmpty: (v) => v !== '' && v !== null && v !== undefined,
};

function flatten(error: ValidationError, parent: string, parentValue?: unknown): DefinitionError[] {
  const path = Array.isArray(parentValue)
    ? `${parent}[${error.property}]`
    : childPath(parent, error.property);
  const all = Object.entries(error.constraints ?? {});
  const perElement = all.filter(([, message]) => message.startsWith('each value in '));
  const own = all.filter((c) => !perElement.includes(c));
  const typeCheck = own.find(([name]) => TYPE_CHECKS.includes(name));
  // A missing or wrongly typed value has no meaningful inside: report it alone, not its children.
  if (all.length > 0 && error.value === undefined) return [{ path, message: 'is required' }];
  if (typeCheck) return [{ path, message: tidy(typeCheck[1]) }];

  const out = own.map(([, message]) => ({ path, message: tidy(message) }));
  for (const [name, message] of perElement) {
    const ok = ELEMENT_CHECKS[name];
    if (!ok || !Array.isArray(error.value)) out.push({ path, message: tidy(message) });
    else
      error.value.forEach((v: unknown, i) => {
        if (!ok(v)) out.push({ path: `${path}[${i}]`, message: tidy(message) });
      });
  }
  for (const child of error.children ?? []) out.push(...flatten(child, path, error.value));
  return out;
}

function tidy(message: string): string {
  return message
    .replace(/^each value in (nested property )?\S+ /, '')
    .replace(/^All \S+'s elements must be unique$/, 'must not repeat a value')
    .replace(/^property \S+ should not exist$/, 'is not a known property')
    .replace(/must be either object or array$/, 'must be an object')
    .replace(/^\S+ (must|should) /, '$1 ');
}

/**
 * class-transformer silently drops `__proto__` keys, so the whitelist never sees them, and throws on `constructor`
 * and `prototype` keys: name them here, wherever they are.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeKeys(value: unknown, path: string): DefinitionError[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => prototypeKeys(v, `${path}[${i}]`));
  if (!isRecord(value)) return [];
  return Object.keys(value).flatMap((key) =>
    PROTOTYPE_KEYS.has(key)
      ? [{ path: childPath(path, key), message: 'is not allowed as a property name' }]
      : prototypeKeys(value[key], childPath(path, key)),
  );
}

function withoutPrototypeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypeKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !PROTOTYPE_KEYS.has(key))
      .map(([key, v]) => [key, withoutPrototypeKeys(v)]),
  );
}

/** class-validator lets an array through where a nested object is expected (`steps: [[]]`): name it here. */
function arrayInPlaceOfObject(input: Record<string, unknown>): DefinitionError[] {
  const errors: DefinitionError[] = [];
  if (Array.isArray(input.steps)) {
    input.steps.forEach((step: unknown, i) => {
      if (Array.isArray(step)) errors.push({ path: `$.steps[${i}]`, message: 'must be an object' });
      else if (isRecord(step) && Array.isArray(step.timeLimit))
        errors.push({ path: `$.steps[${i}].timeLimit`, message: 'must be an object' });
    });
  }
  if (isRecord(input.facts)) {
    for (const [name, fact] of Object.entries(input.facts)) {
      if (Array.isArray(fact))
        errors.push({ path: childPath('$.facts', name), message: 'must be an object' });
    }
  }
  return errors;
}

// ---------- the form schema ----------

function schemaErrors(form: Record<string, unknown>, options: ValidateOptions): DefinitionError[] {
  const invalid = formMetaErrors(form);
  if (invalid !== null) return [{ path: '$.form', message: `is not a valid JSON Schema: ${invalid}` }];
  try {
    compileFormSchema(form);
    return [
      // Application data is always a JSON object (the submission DTO says so): a form of another type, or of none,
      // would refuse every submission or leave its fields, which steps name, undescribed.
      ...(form.type === 'object' || (Array.isArray(form.type) && form.type.every((t) => t === 'object'))
        ? []
        : [{ path: '$.form.type', message: "must be 'object'" }]),
      ...formSafetyErrors(form, '$.form', {
        maxArrayLength: options.maxArrayLength ?? DEFAULT_JSON_LIMITS.maxArrayLength,
        maxKeys: options.maxKeys ?? DEFAULT_JSON_LIMITS.maxKeys,
        maxStringLength: options.maxStringLength ?? DEFAULT_JSON_LIMITS.maxStringLength,
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_JSON_LIMITS.maxBodyBytes,
      }),
      ...dottedPropertyNames(form).map((path) => ({
        path,
        message:
          "must not contain '.': fields are named by dotted paths, so it could not be told from a nested one",
      })),
      ...misplacedPii(form).map((path) => ({
        path,
        message:
          'must be true, on a property reached through "properties" alone (mark the array or object that holds it)',
      })),
    ];
  } catch (e) {
    return [{ path: '$.form', message: `is not a usable JSON Schema: ${(e as Error).message}` }];
  }
}

/**
 * JSON paths of form properties, reached through nested `properties`, whose name holds a `.`. Steps' `fields` and
 * `needs`, returns, rules and personal marks all name fields by dotted paths: `"id.number"` would be read as `id`
 * then `number`, so a step granted it would see nothing and a personal value there would never be sealed.
 */
function dottedPropertyNames(form: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (schema: unknown, path: string): void => {
    const properties = isRecord(schema) ? schema.properties : undefined;
    if (!isRecord(properties)) return;
    for (const [name, child] of Object.entries(properties)) {
      const at = childPath(`${path}.properties`, name);
      if (name.includes('.')) found.push(at);
      else walk(child, at);
    }
  };
  walk(form, '$.form');
  return found;
}

// ---------- the graph, data flow and rules ----------

function graphErrors(def: WorkflowDefinition, options: ValidateOptions): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });
  const formPaths = new Set(formFieldPaths(def.form));
  const formParents = new Set([...formPaths].map((p) => p.split('.').slice(0, -1).join('.')));
  const factNames = new Set(Object.keys(def.facts ?? {}));

  const firstIndex = new Map<string, number>();
  def.steps.forEach((step, i) => {
    if (firstIndex.has(step.id))
      add(`$.steps[${i}].id`, `duplicates the id of $.steps[${firstIndex.get(step.id)}]`);
    else firstIndex.set(step.id, i);
  });

  const producer = new Map<string, string>();
  def.steps.forEach((step, i) => {
    (step.produces ?? []).forEach((value, j) => {
      const path = `$.steps[${i}].produces[${j}]`;
      const other = producer.get(value);
      if (other !== undefined) add(path, `'${value}' is already produced by step '${other}'`);
      else producer.set(value, step.id);
      if (formPaths.has(value)) add(path, `'${value}' is also a form property; a value must have one source`);
      // An approval sends it as a member of `produces`: the API refuses a `__proto__` member, and a lookup of any
      // such name on an object that lacks it finds the inherited member instead.
      if (value in Object.prototype) add(path, `'${value}' is a name every object inherits; choose another`);
      // Produced values are kept flat, but rules and `needs` read by dotted path: `licence.no` would be looked
      // for as `no` inside `licence`, and never found.
      if (value.includes('.')) add(path, `'${value}' must not contain '.': rules read values by dotted path`);
    });
  });

  /** Form data is known by its declared paths; below an undeclared level (arrays, free objects) anything goes. */
  const inForm = (path: string): boolean =>
    formPaths.has(path) || prefixes(path).some((p) => formPaths.has(p) && !formParents.has(p));
  const isProduced = (path: string): boolean =>
    producer.has(path) || prefixes(path).some((p) => producer.has(p));

  def.steps.forEach((step, i) => {
    const at = `$.steps[${i}]`;
    (step.after ?? []).forEach((id, j) => {
      if (id === step.id) add(`${at}.after[${j}]`, 'a step cannot wait for itself');
      else if (!firstIndex.has(id)) add(`${at}.after[${j}]`, `unknown step id '${id}'`);
    });
    (step.needs ?? []).forEach((need, j) => {
      if (formPaths.has(need)) return;
      const from = producer.get(need);
      if (from === step.id) add(`${at}.needs[${j}]`, `'${need}' is produced only by this step itself`);
      else if (from === undefined)
        add(`${at}.needs[${j}]`, `'${need}' is neither a form property nor produced by a step`);
    });
    (step.fields ?? []).forEach((field, j) => {
      if (!formPaths.has(field)) add(`${at}.fields[${j}]`, `'${field}' is not a form property`);
    });
    for (const key of ['when', 'autoApprove'] as const) {
      const rule = step[key];
      if (rule === undefined) continue;
      for (const unknown of unknownOperations(rule, `${at}.${key}`)) {
        add(
          unknown.path,
          unknown.op === 'log'
            ? "'log' is not accepted: it writes the values it sees to the server's output"
            : `'${unknown.op}' is not a JSON Logic operation (a rule using it would always be false)`,
        );
      }
      if (options.ruleCostBudget === undefined) continue;
      const cost = ruleCost(rule, options.maxArrayLength ?? 1000, options.ruleCostBudget);
      if (!(cost <= options.ruleCostBudget)) {
        add(
          `${at}.${key}`,
          `may take more than ${options.ruleCostBudget} evaluation steps, the budget: nest fewer iterations, or grow no accumulator`,
        );
      }
    }
    if (step.when !== undefined) {
      for (const v of jsonLogicVars(step.when, `${at}.when`)) {
        if (!inForm(v.name))
          add(v.path, `'${v.name}' is not a form property ('when' is decided at submission)`);
      }
    }
    if (step.autoApprove !== undefined) {
      // The facts a rule reads are fetched before it runs, and only those: one it reaches by a computed name would
      // be missing when it runs, and a negated test of it would hold.
      if (factNames.size > 0 && readsComputedVar(step.autoApprove))
        add(
          `${at}.autoApprove`,
          'reads a variable whose name it computes (or the whole data): where facts are declared, a rule names what it reads',
        );
      for (const v of jsonLogicVars(step.autoApprove, `${at}.autoApprove`)) {
        const [head, fact] = v.name.split('.');
        if (head === 'facts') {
          if (fact === undefined || !factNames.has(fact)) add(v.path, `'${v.name}' names no declared fact`);
        } else if (!inForm(v.name) && !isProduced(v.name)) {
          add(v.path, `'${v.name}' is neither a form property, a produced value nor a fact`);
        }
      }
    }
  });

  // Later duplicates are reported on their own; the graph of first occurrences still has cycles worth naming.
  const firstOccurrences = def.steps.filter((step, i) => firstIndex.get(step.id) === i);
  const deps = resolveDependencies({ ...def, steps: firstOccurrences });
  const dependencies = Object.values(deps).reduce((n, d) => n + d.length, 0);
  // Past the bound the graph is refused as it stands: looking for its cycles, one per back edge, is what the bound
  // is there to spare.
  if (dependencies > MAX_DEPENDENCIES) {
    add(
      '$.steps',
      `wait for one another ${dependencies} times in all (after and needs together); at most ${MAX_DEPENDENCIES}`,
    );
  } else {
    errors.push(...cycleErrors(deps, firstIndex));
  }
  errors.push(...factErrors(def, formPaths, options));
  return errors;
}

/**
 * Waits between steps, in all. Checking and analysing a workflow, and drawing it, grows with them: 200 steps each
 * waiting for the 100 before held the event loop for a quarter of a second per request and answered 5 MB. Ten per
 * step of the largest workflow is far more than any real one declares.
 */
export const MAX_DEPENDENCIES = 2000;

function prefixes(path: string): string[] {
  const parts = path.split('.');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Each cycle once, as the chain of steps it runs through (prerequisite first), starting at its earliest step. */
function cycleErrors(deps: Record<string, string[]>, index: Map<string, number>): DefinitionError[] {
  // Unknown ids and self-references are reported on their own; they are not edges.
  const next = (id: string) => (deps[id] ?? []).filter((p) => p !== id && index.has(p));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const errors: DefinitionError[] = [];

  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const p of next(id)) {
      if (state.get(p) === 'open') {
        // stack holds dependents before their prerequisites; reverse to read in the order things must happen
        const cycle = stack.slice(stack.indexOf(p)).reverse();
        const start = cycle.reduce(
          (best, s, i) => ((index.get(s) ?? 0) < (index.get(cycle[best]!) ?? 0) ? i : best),
          0,
        );
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        const key = rotated.join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          errors.push({
            path: `$.steps[${index.get(rotated[0]!)}]`,
            message: `dependency cycle: ${[...rotated, rotated[0]].join(' -> ')} (each must be approved before the next)`,
          });
        }
      } else if (!state.has(p)) {
        visit(p);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of Object.keys(deps)) if (!state.has(id)) visit(id);
  return errors;
}

/** The schema a dotted path names through nested `properties`, or undefined. */
function schemaAt(form: unknown, path: string): Record<string, unknown> | undefined {
  let node: unknown = form;
  for (const segment of path.split('.')) {
    const properties = isRecord(node) ? node.properties : undefined;
    if (!isRecord(properties) || !Object.hasOwn(properties, segment)) return undefined;
    node = properties[segment];
  }
  return isRecord(node) ? node : undefined;
}

/** Whether a field may hold a single value (a string, number or boolean), as a URL placeholder needs. */
function holdsOneValue(schema: Record<string, unknown> | undefined): boolean {
  if (schema === undefined) return true;
  if (isRecord(schema.properties)) return false;
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  return !types.every((type) => type === 'object' || type === 'array');
}

function factErrors(
  def: WorkflowDefinition,
  formPaths: Set<string>,
  options: ValidateOptions,
): DefinitionError[] {
  const errors: DefinitionError[] = [];
  for (const [name, fact] of Object.entries(def.facts ?? {})) {
    const at = childPath('$.facts', name);
    if (!/^[A-Za-z_][\w-]*$/.test(name))
      errors.push({ path: at, message: 'a fact name must be a plain word (letters, digits, _ or -)' });
    const placeholders = [...fact.url.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
    for (const p of placeholders) {
      if (!formPaths.has(p))
        errors.push({ path: `${at}.url`, message: `placeholder {${p}} is not a form property` });
      // Only a single value fits in a URL: an object or a list would leave every lookup without one, and the rule
      // never holding.
      else if (!holdsOneValue(schemaAt(def.form, p)))
        errors.push({
          path: `${at}.url`,
          message: `placeholder {${p}} is an object or a list; name a field holding one value`,
        });
    }
    let url: URL;
    let other: URL;
    try {
      url = factUrl(fact.url, 'x');
      other = factUrl(fact.url, 'y');
    } catch {
      errors.push({ path: `${at}.url`, message: 'is not a URL' });
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      errors.push({ path: `${at}.url`, message: 'must be an http or https URL' });
    } else if (url.host !== other.host) {
      // Parsed as the lookup will parse it (`https:{district}.example.gov` is a URL too): two values, two hosts.
      // The host decides where application data goes: it must be fixed, never taken from the applicant.
      errors.push({ path: `${at}.url`, message: 'the host may not contain a placeholder' });
    } else if (options.allowedFactHosts && !isAllowedFactHost(url, options.allowedFactHosts)) {
      errors.push({ path: `${at}.url`, message: `host '${url.host}' is not in the allowed fact hosts` });
    }
  }
  return errors;
}

/** A fact's URL with every placeholder filled with `value`; throws as `new URL` does. */
function factUrl(template: string, value: string): URL {
  return new URL(template.replace(/\{[^{}]*\}/g, value));
}

/**
 * What a valid definition will meet on this deployment but does not make it invalid: a fact on a host outside
 * `FACTS_ALLOWED_HOSTS` registers, as the contract wants, and its every lookup fails, so each rule reading it never
 * holds. An administrator should hear that before the first application waits on an officer for it.
 */
export function factHostWarnings(def: WorkflowDefinition, allowed: readonly string[]): DefinitionError[] {
  const warnings: DefinitionError[] = [];
  for (const [name, fact] of Object.entries(def.facts ?? {})) {
    const url = factUrl(fact.url, 'x');
    if (!isAllowedFactHost(url, allowed))
      warnings.push({
        path: `${childPath('$.facts', name)}.url`,
        message: `host '${url.host}' is not in FACTS_ALLOWED_HOSTS: every lookup of this fact will fail, so a rule that reads it never holds and its step is left to officers`,
      });
  }
  return warnings;
}
