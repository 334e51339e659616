import type { ValidationError } from 'class-validator';
import type { FieldError } from './domain.exception.js';

/** Flattens class-validator's nested errors into one `{ path, message }` per broken constraint. */
export function flattenValidationErrors(errors: ValidationError[], base = '$'): FieldError[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property) ? `${base}[${error.property}]` : `${base}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}
