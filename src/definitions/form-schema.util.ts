import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import type { FieldError } from '../common/domain.exception.js';
import { PATTERN_MAX_STRING_LENGTH, repetitions } from './form-safety.util.js';

/**
 * The regular expressions of `pattern` and `patternProperties`, with one guard: a pattern with an unbounded
 * repetition does not run on a string longer than PATTERN_MAX_STRING_LENGTH, and does not match it. The validator reports every
 * error (`allErrors`), so it would run a `pattern` on a string its sibling `maxLength` (required beside such a
 * pattern, and never longer) has already refused: a search as long as the body allows. The answer changes nothing
 * that is accepted: such a string fails its schema anyway, and a property name that long falls to
 * `additionalProperties`.
 */
export const repetitionGuardedRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    const regExp = new RegExp(pattern, flags);
    if (repetitions(pattern).unbounded === 0) return regExp;
    return { test: (s: string) => s.length <= PATTERN_MAX_STRING_LENGTH && regExp.test(s) };
  },
  { code: 'repetitionGuardedRegExp' },
);

/** A fresh Ajv per schema: a shared one would refuse a second version reusing an `$id`. */
export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: repetitionGuardedRegExp } });
  addFormats.default(ajv); // CommonJS module: under nodenext the plugin is its `.default`
  return ajv;
}

export function compileFormSchema(schema: Record<string, unknown>): ValidateFunction {
  return newAjv().compile(schema);
}

/** Ajv errors as `{ path, message }`, with paths under `base` (e.g. `$.data.applicant.name`). */
export function formErrors(errors: ErrorObject[] | null | undefined, base: string): FieldError[] {
  return (errors ?? []).map((error) => {
    const segments = error.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
    if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
    const path = segments.reduce((p, s) => (/^\d+$/.test(s) ? `${p}[${s}]` : `${p}.${s}`), base);
    return { path, message: error.message ?? 'is invalid' };
  });
}
