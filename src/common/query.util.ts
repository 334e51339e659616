import { DomainException } from './domain.exception.js';

/** A positive integer query parameter (at most PostgreSQL's int4 by default), or undefined when absent; anything else is a 400 naming the parameter. */
export function optionalPositiveInt(value: string | undefined, name: string, max = 2_147_483_647) {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value) || Number(value) > max) {
    throw DomainException.invalid(`Query parameter ${name} is invalid`, [
      { path: `$.${name}`, message: `must be an integer from 1 to ${max}` },
    ]);
  }
  return Number(value);
}
