import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import ucs2length from 'ajv/dist/runtime/ucs2length.js';
import { listedFieldErrors, MAX_FIELD_ERRORS } from '../common/domain.exception.js';
import type { FieldError } from '../common/domain.exception.js';
import {
  FORM_MAX_PATTERN_STEPS,
  PATTERN_MAX_STRING_LENGTH,
  patternGuardLengths,
  stepsOf,
  repetitions,
} from './form-safety.util.js';

/**
 * The regular expressions of `pattern` and `patternProperties`, with one guard: a pattern with an unbounded
 * repetition does not run on a string longer than `guardLengths` gives for it (patternGuardLengths: the longest
 * `maxLength` beside it in the form), PATTERN_MAX_STRING_LENGTH when it gives none, and does not match it. The
 * validator reports every error (`allErrors`), so it would run a `pattern` on a string its sibling `maxLength` has
 * already refused: `^a*a*a*$` beside a maxLength of 271 took 450 ms on one string of 1,000 characters, where the
 * registration check counts 10 ms for 271. The answer changes nothing that is accepted: such a string fails its
 * schema anyway, and a property name that long falls to `additionalProperties`.
 */
export function repetitionGuardedRegExp(
  guardLengths: ReadonlyMap<string, number> = new Map(),
  budget?: MatchBudget,
): RegExpEngine {
  return Object.assign(
    (pattern: string, flags: string): RegExpLike => {
      const regExp = new RegExp(pattern, flags);
      const unbounded = repetitions(pattern).unbounded > 0;
      const stepsFor = stepsOf(pattern);
      if (!unbounded && budget === undefined) return regExp;
      const longest = unbounded ? (guardLengths.get(pattern) ?? PATTERN_MAX_STRING_LENGTH) : Infinity;
      // Ajv keeps one matcher per toString(): a plain object's `[object Object]` made every pattern of a form run as
      // the first one compiled, and RegExp's own text would merge `^a\/b+$` with `^a/b+$`, whose guards may differ.
      const guarded: RegExpLike & { toString(): string } = {
        toString: () => JSON.stringify([pattern, flags]),
        test: (s: string) => {
          // maxLength counts code points (Ajv's ucs2length); a string of more UTF-16 units may still be within it.
          if (s.length > longest && (s.length > 2 * longest || ucs2length.default(s) > longest)) return false;
          if (budget) {
            const steps = stepsFor(s.length);
            if (budget.exhausted || budget.spent + steps > FORM_MAX_PATTERN_STEPS) {
              budget.exhausted = true;
              return false;
            }
            budget.spent += steps;
          }
          return regExp.test(s);
        },
      };
      return guarded;
    },
    // How a validator's source (formValidatorSource) names this engine; loadFormValidator hands it over.
    { code: `require(${JSON.stringify(GUARDED_REGEXP_MODULE)})` },
  );
}

/** The module name under which a validator's source asks for the form's guarded matchers. */
const GUARDED_REGEXP_MODULE = 'parallel-approvals/guarded-regexp';

/**
 * The steps (as patternSteps counts them) a form's patterns have taken on the document being validated. Ajv checks
 * every item of an array and every property of an object, reporting every error, even past a maxItems or
 * maxProperties that has already failed: `^a*a*a*$` under a maxItems of 2 took 3 s on 200 items. Registration bounds
 * what a document within the form's bounds costs by FORM_MAX_PATTERN_STEPS; past that, the patterns stop running,
 * and the document is refused as too costly to check (compileFormSchema) rather than by the answers they would have
 * given: a "no match" could turn a `not` or an `anyOf` the other way. A document the form accepts meets that only
 * where registration's count falls short (a branch of `anyOf` that fails its own maxItems, a merged resubmission
 * larger than one body), and then gets that clear refusal instead of a wrong answer.
 */
interface MatchBudget {
  spent: number;
  exhausted: boolean;
}

/**
 * A fresh Ajv per schema: a shared one would refuse a second version reusing an `$id`. It does not check the schema
 * against the meta-schema (formMetaErrors does, once at registration): each Ajv compiled the 2020-12 meta-schema again
 * for that, tens of milliseconds of the event loop per registration and per version a process first loads.
 * `guardLengths` and `budget` (see repetitionGuardedRegExp) are the form's; compileFormSchema passes them. `source`
 * keeps each validator's code, for formValidatorSource.
 */
export function newAjv({
  guardLengths,
  budget,
  source = false,
}: { guardLengths?: ReadonlyMap<string, number>; budget?: MatchBudget; source?: boolean } = {}): Ajv2020 {
  return withFormats(
    new Ajv2020({
      allErrors: true,
      strict: false,
      validateSchema: false,
      code: { regExp: repetitionGuardedRegExp(guardLengths, budget), source },
    }),
  );
}

/** One Ajv that only checks schemas against the meta-schema (it adds none of them); it compiles it on first use. */
let metaAjv: Ajv2020 | undefined;

/** The dialect forms are written in; `$schema` may name it or be left out. */
export const FORM_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Why a form is not a valid JSON Schema 2020-12, as Ajv words it; null when it is one. A `$schema` naming any other
 * address is refused first: Ajv throws on one it does not know, and keeps a validator for every address into the
 * meta-schema it is sent, which one shared instance would pile up.
 */
export function formMetaErrors(schema: Record<string, unknown>): string | null {
  const dialect = schema.$schema;
  if (dialect !== undefined && dialect !== FORM_DIALECT && dialect !== `${FORM_DIALECT}#`)
    return `form/$schema must be ${FORM_DIALECT}, or absent`;
  metaAjv ??= withFormats(new Ajv2020({ allErrors: true, strict: false }));
  return metaAjv.validateSchema(schema) ? null : metaAjv.errorsText(metaAjv.errors, { dataVar: 'form' });
}

function withFormats(ajv: Ajv2020): Ajv2020 {
  addFormats.default(ajv); // CommonJS module: under nodenext the plugin is its `.default`
  return ajv;
}

export function compileFormSchema(schema: Record<string, unknown>): ValidateFunction {
  const budget = newBudget();
  return withBudget(newAjv({ guardLengths: patternGuardLengths(schema), budget }).compile(schema), budget);
}

/**
 * A form's validator as the source of a module, to be compiled where holding the thread costs nobody a wait (a
 * worker thread) and loaded by loadFormValidator. Ajv's compilation grows with the form: the largest a definition
 * may hold took 50–120 ms, on the event loop, at the first submission to its version in each process.
 */
export function formValidatorSource(schema: Record<string, unknown>): string {
  const ajv = newAjv({ source: true });
  return standaloneCode.default(ajv, ajv.compile(schema));
}

/** The modules a validator's source may ask for besides the guarded matchers: Ajv's runtime and the formats. */
const VALIDATOR_RUNTIME = /^(ajv\/dist\/runtime\/[a-zA-Z0-9_]+|ajv-formats\/dist\/formats)$/;
const requireRuntime = createRequire(import.meta.url);

/**
 * ajv-formats' `url` lets its user-info part, `\S+(?::\S*)?@`, split a run of colons every way before it finds no
 * `@`: its time grows with the square of the string (16,000 colons took 167 ms; one body's worth, seconds). Here the
 * user name may hold no `:` or `@` and the password no `@` (RFC 3986 has an `@` in user-info percent-encoded), so
 * each split is tried once; a URL whose user-info is empty or holds an unencoded `@` is now refused. Replaced in the
 * module's own table, the one both compiled validators and their standalone source read (before any Ajv of this
 * module adds formats).
 */
const QUADRATIC_USER_INFO = '(?:\\S+(?::\\S*)?@)?';
const LINEAR_USER_INFO = '(?:[^\\s:@]+(?::[^\\s@]*)?@)?';
const { fullFormats } = requireRuntime('ajv-formats/dist/formats') as { fullFormats: { url: RegExp } };
if (fullFormats.url.source.includes(QUADRATIC_USER_INFO)) {
  const { source, flags } = fullFormats.url;
  fullFormats.url = new RegExp(source.replace(QUADRATIC_USER_INFO, LINEAR_USER_INFO), flags);
}

/**
 * The validator compileFormSchema would give, from formValidatorSource's module text: the same checks, guards and
 * budget, for a millisecond or two of the event loop. Evaluating it is what Ajv does with the code it generates.
 */
export function loadFormValidator(schema: Record<string, unknown>, source: string): ValidateFunction {
  const budget = newBudget();
  const matchers = repetitionGuardedRegExp(patternGuardLengths(schema), budget);
  const require = (name: string): unknown => {
    if (name === GUARDED_REGEXP_MODULE) return matchers;
    if (VALIDATOR_RUNTIME.test(name)) return requireRuntime(name);
    throw new Error(`a form validator's source asked for ${name}`);
  };
  const module: { exports: { default?: ValidateFunction } } = { exports: {} };
  // Ajv's own compile evaluates the code it generates the same way.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const evaluate = new Function('require', 'module', 'exports', source) as (...args: unknown[]) => void;
  evaluate(require, module, module.exports);
  const validate = module.exports.default;
  if (typeof validate !== 'function') throw new Error("a form validator's source exported no function");
  return withBudget(validate, budget);
}

function newBudget(): MatchBudget {
  return { spent: 0, exhausted: false };
}

/** Each call starts with the whole budget; Ajv's properties (`errors`, `schema`) are read through to the validator. */
function withBudget(validate: ValidateFunction, budget: MatchBudget): ValidateFunction {
  return new Proxy(validate, {
    apply(target, self, args: Parameters<ValidateFunction>) {
      budget.spent = 0;
      budget.exhausted = false;
      const valid = Reflect.apply<unknown, Parameters<ValidateFunction>, boolean>(target, self, args);
      if (!budget.exhausted) return valid;
      target.errors = [
        {
          instancePath: '',
          schemaPath: '#',
          keyword: 'x-pattern-cost',
          params: { steps: FORM_MAX_PATTERN_STEPS },
          message:
            `would take the form's patterns more than ${FORM_MAX_PATTERN_STEPS} steps to check, more than ` +
            'the form allows; send fewer or shorter strings',
        },
      ];
      return false;
    },
  });
}

/** Ajv errors as `{ path, message }`, with paths under `base` (e.g. `$.data.applicant.name`). */
export function formErrors(errors: ErrorObject[] | null | undefined, base: string): FieldError[] {
  const all = errors ?? [];
  // Only those a problem lists are mapped: a hostile body can hold a hundred thousand.
  const mapped = all.slice(0, MAX_FIELD_ERRORS).map((error) => {
    const segments = error.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
    if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
    const path = segments.reduce((p, s) => (/^\d+$/.test(s) ? `${p}[${s}]` : `${p}.${s}`), base);
    return { path, message: error.message ?? 'is invalid' };
  });
  return listedFieldErrors(mapped, { total: all.length, path: base });
}
