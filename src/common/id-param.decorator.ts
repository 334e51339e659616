import { Param } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { isUuid } from './uuid.util.js';

/**
 * Ids are stored in lower case, and a UUID's letters are case-insensitive (RFC 9562): an id sent in capitals names
 * the same object. Without this it found the row in PostgreSQL but no task or ETag compared in the process.
 */
class LowerCaseIdPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown): unknown {
    return isUuid(value) ? value.toLowerCase() : value;
  }
}

const LOWER_CASE_ID = new LowerCaseIdPipe();

/** A path parameter that names an object by its UUID (`:id` unless named), in the form it is stored. */
export const IdParam = (name = 'id'): ParameterDecorator => Param(name, LOWER_CASE_ID);
