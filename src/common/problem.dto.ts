import { ApiProperty } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ description: 'JSON path of the offending value', example: '$.data.seats' })
  path!: string;

  @ApiProperty({ example: 'must be integer' })
  message!: string;
}

/** RFC 9457 problem details, as every error answers (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ example: 'Invalid input' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request is invalid' })
  detail!: string;

  @ApiProperty({
    type: [FieldErrorDto],
    description: 'Every problem found, empty when there is no field to name',
  })
  errors!: FieldErrorDto[];
}
