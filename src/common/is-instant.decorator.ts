import { ValidateBy, type ValidationOptions } from 'class-validator';
import { INSTANT_FORMS, parseInstant } from './instant.util.js';

/**
 * For every `from`/`to` the API reads as an instant. Not @IsISO8601: it lets through forms (20260101, 2026-W01) that
 * `new Date()` cannot read, which then failed in the service (500) or in PostgreSQL (a 400 naming no field).
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseInstant(value) !== null,
        defaultMessage: (args) => `${args?.property} must be ${INSTANT_FORMS}`,
      },
    },
    options,
  );
}
