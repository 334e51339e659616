import { ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import { validateSync } from 'class-validator';
import type { ValidationError, ValidatorOptions } from 'class-validator';

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
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
