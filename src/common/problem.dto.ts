import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: '$.fields[0]' }) path: string;
  @ApiProperty({ example: 'is not a form field' }) message: string;
}

/** RFC 9457 problem details, as `ProblemFilter` writes them (API.md, Errors). */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' }) type: string;
  @ApiProperty({ example: 'Conflict' }) title: string;
  @ApiProperty({ type: 'integer', example: 409 }) status: number;
  @ApiProperty() detail: string;
  @ApiProperty({ type: [FieldErrorDto] }) errors: FieldErrorDto[];
}

const MEANING: Record<number, string> = {
  400: 'Invalid input: every problem listed with its JSON path',
  401: 'Missing or invalid bearer token',
  403: 'This role may not use this endpoint',
  404: 'Not found, or not visible to the caller',
  409: 'State conflict',
};

/** Documents problem+json replies; `conflict` says what a 409 means for this call. */
export function ApiProblems(statuses: number[], conflict?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: status === 409 && conflict ? conflict : (MEANING[status] ?? 'Problem'),
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
