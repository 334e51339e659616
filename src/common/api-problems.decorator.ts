import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { FieldErrorDto, ProblemDto } from './problem.dto.js';

const MEANING: Record<number, string> = {
  400: 'Invalid input: every problem listed with its JSON path (up to 100, the last then counting the rest)',
  401: 'No valid bearer token',
  403: 'This role may not use this call',
  404: 'No such object, or not one this caller may see',
  409: 'The state does not allow it',
  413: 'The body is larger than BODY_LIMIT_BYTES',
  415: 'The body is not sent as application/json in UTF-8, uncompressed',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * The error answers of an operation, each as `application/problem+json` with the ProblemDto schema:
 * `@ApiProblems(400, 401, 404)`, or `@ApiProblems({ 409: 'The task is not open' })` to say what a status means here.
 */
export function ApiProblems(
  ...statuses: (number | Record<number, string>)[]
): MethodDecorator & ClassDecorator {
  const entries = statuses.flatMap((entry) =>
    typeof entry === 'number'
      ? [[entry, MEANING[entry] ?? 'Error'] as const]
      : Object.entries(entry).map(([status, description]) => [Number(status), description] as const),
  );
  return applyDecorators(
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ...entries.map(([status, description]) =>
      ApiResponse({
        status,
        description,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
