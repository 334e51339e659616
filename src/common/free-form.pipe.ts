import { ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationError, validateSync } from 'class-validator';
import type { ValidatorOptions } from 'class-validator';
import { setMember } from './json-copy.util.js';
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
  /** What valid inputs were transformed into, by DTO class, argument kind and the input's JSON; see transformRemembered. */
  private readonly answers = new BoundedMap<string, unknown>(VALID_INPUTS);

  /** A number per DTO class, for the keys above. */
  private readonly classIds = new WeakMap<object, number>();
  private classCount = 0;

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (isPlainObject(value) && this.validatorOptions.forbidNonWhitelisted && this.toValidate(metadata)) {
      // class-transformer leaves out members named like Object.prototype's (`constructor`, `toString`, `__proto__`),
      // so the whitelist never saw them and they were dropped unnamed. No DTO declares such a member.
      const inherited = Object.keys(value).filter((name) => name in Object.prototype);
      if (inherited.length > 0) throw this.exceptionFactory(inherited.map(unknownMember));
    }
    const keys = metadata.metatype
      ? ((Reflect.getMetadata(FREE_FORM_KEY, metadata.metatype) as (string | symbol)[] | undefined) ?? [])
      : [];
    if (keys.length === 0 || !isPlainObject(value)) return this.transformRemembered(value, metadata);
    const held = new Map<string | symbol, Record<string, unknown>>();
    const standIn: Record<string | symbol, unknown> = { ...value };
    for (const key of keys) {
      const original = value[key as string];
      // No `__proto__` to strip, as ValidationPipe does for what it transforms: the JSON parser refuses the key anywhere.
      if (isPlainObject(original)) {
        held.set(key, original);
        standIn[key] = {};
      }
    }
    const result = (await this.transformRemembered(standIn, metadata)) as Record<string | symbol, unknown>;
    for (const [key, original] of held) result[key] = original;
    return result;
  }

  /**
   * ValidationPipe's transform, remembered for small valid inputs: the answers to the last 2,000 inputs whose JSON is
   * at most 1,024 characters, whatever their DTO class, so a flood of distinct valid inputs holds a few megabytes. The same few inputs come again and again (an
   * approval's body, an inbox's query, a submission's envelope with its form data set aside), and for each the
   * copy into the class, the walk of its constraints and the copy back out (class-transformer, class-validator) cost
   * more than the rest of the request's handling in this process. The answer is a function of the input's JSON: a
   * body is parsed JSON and a query holds strings, no DTO has an asynchronous constraint or one that reads anything
   * but its values, and no small DTO transforms values (`@Transform`) by anything but them. Each caller gets its own
   * copy. Invalid inputs are not remembered: each is walked again and refused with its fields named.
   */
  private async transformRemembered(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // What the pipe passes through unvalidated (a custom decorator's value, a built-in type) stays as it is.
    const json =
      isPlainObject(value) && this.toValidate(metadata) && mayFitJson(value, VALID_INPUT_MAX_LENGTH)
        ? JSON.stringify(value)
        : undefined;
    if (metadata.metatype === undefined || json === undefined || json.length > VALID_INPUT_MAX_LENGTH)
      return super.transform(value, metadata);
    let classId = this.classIds.get(metadata.metatype);
    if (classId === undefined) this.classIds.set(metadata.metatype, (classId = ++this.classCount));
    const key = `${classId}:${metadata.type}:${json}`;
    const known = this.answers.get(key);
    if (known !== undefined) return copyAnswer(known);
    const answer: unknown = await super.transform(value, metadata);
    this.answers.set(key, copyAnswer(answer));
    return answer;
  }

  /**
   * No DTO here has an asynchronous constraint, so the synchronous walk gives the same errors without a promise
   * per constraint (class-validator's `validate` builds one for each, on every request).
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

/** Inputs remembered, and the longest: together they bound the memory at a few megabytes. */
const VALID_INPUTS = 2_000;
const VALID_INPUT_MAX_LENGTH = 1_024;

/**
 * Whether the JSON of `value`, a JSON value, may be at most `max` characters long: false as soon as what has been
 * seen of it (strings, keys, brackets) already passes `max`, so a large body (a workflow definition of a megabyte)
 * is not written out whole only to be found too long to remember. A lower bound: false promises the JSON is
 * longer, true promises nothing.
 */
export function mayFitJson(value: unknown, max: number): boolean {
  return leftAfter(value, max) >= 0;
}

/** `budget` less a lower bound of the JSON length of `value`; stops early once it is negative. */
function leftAfter(value: unknown, budget: number): number {
  if (typeof value === 'string') return budget - value.length - 2;
  if (typeof value !== 'object' || value === null) return budget - 1;
  budget -= 2;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if ((budget = leftAfter(item, budget)) < 0) break;
    return budget;
  }
  // for-in, not Object.entries: it does not build the pairs of members it will not reach.
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const member = (value as Record<string, unknown>)[name];
    // JSON leaves such members out.
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    if ((budget = leftAfter(member, budget - name.length - 3)) < 0) break;
  }
  return budget;
}

/**
 * A deep copy of an answer, undefined members kept as the pipe gives them. Answers are plain objects and arrays of
 * JSON values; anything else is structured-cloned, which is several times slower for the plain case.
 */
function copyAnswer(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyAnswer);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) setMember(copy, name, copyAnswer(member));
  return copy;
}

/** The error forbidNonWhitelisted gives a member no DTO declares. */
function unknownMember(property: string): ValidationError {
  return Object.assign(new ValidationError(), {
    property,
    children: [],
    constraints: { whitelistValidation: `property ${property} should not exist` },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
