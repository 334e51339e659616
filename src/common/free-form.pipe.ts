import { ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import { validateSync } from 'class-validator';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { BoundedMap } from './keyed-queue.util.js';

const FREE_FORM_KEY = Symbol('free-form-properties');

/**
 * Marks a DTO property as a free-form object (submission `data`, decision `produces`): the DTO checks only that it
 * is an object; its content is judged by the workflow's form schema. Such values skip class-transformer, which
 * copies objects in time quadratic in their number of keys.
 */
export function FreeForm(): PropertyDecorator {
  return (target, property) => {
    const existing = (Reflect.getMetadata(FREE_FORM_KEY, target.constructor) as (string | symbol)[]) ?? [];
    Reflect.defineMetadata(FREE_FORM_KEY, [...existing, property], target.constructor);
  };
}

/**
 * The global ValidationPipe, except that each free-form object is swapped for an empty stand-in while the DTO is
 * transformed and validated, and put back afterwards. A value that is not an object keeps its place, so the DTO's
 * own checks still name it.
 */
export class FreeFormValidationPipe extends ValidationPipe {
  /** Per DTO class, the JSON of inputs found valid; see validate. */
  private readonly validInputs = new WeakMap<object, BoundedMap<string, true>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const keys = metadata.metatype
      ? ((Reflect.getMetadata(FREE_FORM_KEY, metadata.metatype) as (string | symbol)[] | undefined) ?? [])
      : [];
    if (keys.length === 0 || !isPlainObject(value)) return super.transform(value, metadata);
    const held = new Map<string | symbol, Record<string, unknown>>();
    const standIn: Record<string | symbol, unknown> = { ...value };
    for (const key of keys) {
      const original = value[key as string];
      if (isPlainObject(original)) {
        this.stripProtoKeys(original);
        held.set(key, original);
        standIn[key] = {};
      }
    }
    const result = (await super.transform(standIn, metadata)) as Record<string | symbol, unknown>;
    for (const [key, original] of held) result[key] = original;
    return result;
  }

  /**
   * No DTO here has an asynchronous constraint, so the synchronous walk gives the same errors without a promise
   * per constraint (class-validator's `validate` builds one for each, on every request).
   *
   * A small input found valid is remembered by its JSON, per DTO class, and not walked again: a DTO's constraints
   * are functions of its values alone, and the same few inputs come again and again (an approval's body, an inbox's
   * query, a submission's envelope with its form data set aside). Invalid inputs are always walked, so every
   * refusal names its fields as before. Not with a whitelist that strips unknown properties instead of refusing
   * them: there a valid input is also changed by the walk.
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    const strips = options?.whitelist === true && options.forbidNonWhitelisted !== true;
    const key = strips ? undefined : JSON.stringify(object);
    if (key === undefined || key.length > VALID_INPUT_MAX_LENGTH) return validateSync(object, options);
    let valid = this.validInputs.get(object.constructor);
    if (valid === undefined) this.validInputs.set(object.constructor, (valid = new BoundedMap(VALID_INPUTS)));
    if (valid.get(key)) return [];
    const errors = validateSync(object, options);
    if (errors.length === 0) valid.set(key, true);
    return errors;
  }
}

/** Inputs remembered per DTO class, and the longest: together they bound the memory at a few megabytes. */
const VALID_INPUTS = 1_000;
const VALID_INPUT_MAX_LENGTH = 1_024;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
