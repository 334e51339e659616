import 'reflect-metadata';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { PUBLISHED_VISIBLE, VISIBLE } from '../common/text.util.js';
import type { JsonLogic, TimeoutAction } from './definition.types.js';

export const ID_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;
/**
 * Something to match a token's department claim against: not blank, and no whitespace or invisible character at
 * either end, which no claim would carry ("   " passed @IsNotEmpty, and its step could never be opened by anyone).
 */
export const DEPARTMENT_PATTERN = /^[^\s\p{Cf}](?:.*[^\s\p{Cf}])?$/u;
/** A name people read in inboxes and lists: at least one character that shows. */
const NOT_BLANK = VISIBLE;
/** DEPARTMENT_PATTERN as the published schemas give it: see PUBLISHED_VISIBLE. */
const PUBLISHED_DEPARTMENT = '^\\S(?:.*\\S)?$';
export const DURATION_UNITS = ['workingDays', 'hours', 'minutes', 'seconds'] as const;
export const TIMEOUT_ACTIONS: readonly TimeoutAction[] = ['approve', 'reject', 'escalate'];
/** One parallel region per step in the statechart: keep machines and inboxes a sane size. */
export const MAX_STEPS = 200;

/** Unlike @IsOptional, lets only absence through: an explicit null would reach the engine as a value. */
const Optional = () => ValidateIf((_object, value) => value !== undefined);

/** Keeps the raw JSON value: class-transformer would otherwise rebuild objects from their reflected type. */
const Raw = () => Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });

/** A class-level rule ("exactly one unit") is checked on the property that holds the duration. */
function HasExactlyOneUnit(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasExactlyOneUnit',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'object' ||
          value === null ||
          DURATION_UNITS.filter((u) => (value as Record<string, unknown>)[u] !== undefined).length === 1,
        defaultMessage: (args) => `${args?.property} must have exactly one of ${DURATION_UNITS.join(', ')}`,
      },
    },
    options,
  );
}

/** About forty years in every unit: a limit past that is a typo, and the calendar counts no further. */
export const MAX_LIMIT = { workingDays: 10_000, hours: 350_400, minutes: 21_024_000, seconds: 1_261_440_000 };

export class DurationDto {
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Business days of the workflow calendar',
    minimum: 1,
    example: 3,
  })
  @Optional()
  @IsInt()
  @IsPositive()
  @Max(MAX_LIMIT.workingDays)
  workingDays?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @Optional()
  @IsInt()
  @IsPositive()
  @Max(MAX_LIMIT.hours)
  hours?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @Optional()
  @IsInt()
  @IsPositive()
  @Max(MAX_LIMIT.minutes)
  minutes?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @Optional()
  @IsInt()
  @IsPositive()
  @Max(MAX_LIMIT.seconds)
  seconds?: number;
}

export class FactDefinitionDto {
  @ApiProperty({
    description: 'URL template; `{path}` is replaced by the URL-encoded form value at that path',
    example: 'https://registry.example.gov/companies/{creditCode}',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 30000, example: 2000 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(30000)
  timeoutMs?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, example: 300 })
  @Optional()
  @IsInt()
  @Min(0)
  cacheSeconds?: number;
}

const jsonLogicSchema = {
  description: 'JSON Logic expression (any JSON value)',
  // JSON Logic may be any JSON value; Swagger has no "any" type short of listing them
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'boolean' },
    { type: 'number' },
    { type: 'string' },
  ],
};

export class StepDefinitionDto {
  @ApiProperty({ pattern: ID_PATTERN.source, example: 'business-licence' })
  @IsString()
  @Matches(ID_PATTERN)
  id: string;

  @ApiProperty({ example: 'Business licence', pattern: PUBLISHED_VISIBLE })
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(200)
  name: string;

  @ApiProperty({
    description: 'Code of the department whose officers act on this step',
    example: 'market-regulation',
    pattern: PUBLISHED_DEPARTMENT,
  })
  @IsString()
  @Matches(DEPARTMENT_PATTERN, {
    message: 'department must not be blank, nor begin or end with whitespace or an invisible character',
  })
  @MaxLength(64)
  department: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Step ids that must be approved before this one opens',
  })
  @Optional()
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  after?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Form paths or produced values this step reads' })
  @Optional()
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  needs?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Values this step adds to the application when approved',
  })
  @Optional()
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  produces?: string[];

  @ApiPropertyOptional({
    ...jsonLogicSchema,
    description: 'JSON Logic over the form data; false skips the step',
  })
  @Allow()
  @Raw()
  when?: JsonLogic;

  @ApiPropertyOptional({ type: [String], description: 'The only form fields this department may see' })
  @Optional()
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  fields?: string[];

  @ApiProperty({ type: DurationDto, description: 'Exactly one unit' })
  @ValidateNested()
  @Type(() => DurationDto)
  @IsObject()
  @HasExactlyOneUnit()
  timeLimit: DurationDto;

  @ApiPropertyOptional({ enum: TIMEOUT_ACTIONS, default: 'escalate' })
  @Optional()
  @IsIn(TIMEOUT_ACTIONS)
  onTimeout?: TimeoutAction;

  @ApiPropertyOptional({
    type: DurationDto,
    description: 'Early warning before the due time; exactly one unit',
  })
  @Optional()
  @ValidateNested()
  @Type(() => DurationDto)
  @IsObject()
  @HasExactlyOneUnit()
  remindBefore?: DurationDto;

  @ApiPropertyOptional({ ...jsonLogicSchema, description: 'JSON Logic; true approves the step by rule' })
  @Allow()
  @Raw()
  autoApprove?: JsonLogic;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 50,
    default: 1,
    description:
      'Distinct officers who must approve (at most 50, as an officer may raise it to for one application)',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(50)
  signoff?: number;
}

@ApiExtraModels(FactDefinitionDto)
export class WorkflowDefinitionDto {
  @ApiPropertyOptional({ example: './workflow.schema.json' })
  @Optional()
  @IsString()
  $schema?: string;

  @ApiProperty({ pattern: ID_PATTERN.source, example: 'open-restaurant' })
  @IsString()
  @Matches(ID_PATTERN)
  key: string;

  @ApiProperty({ example: 'Open a restaurant', pattern: PUBLISHED_VISIBLE })
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ description: 'Business calendar for working-day limits', example: 'cn-mainland' })
  @Optional()
  @IsString()
  @IsNotEmpty()
  calendar?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'JSON Schema (2020-12) of the application data, an object schema (`"type": "object"`). A property marked `"x-pii": true` is personal data: sealed at rest, shown only to the applicant and the departments a step grants it, erased after PII_RETENTION_DAYS',
  })
  @IsObject()
  @Raw()
  form: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(FactDefinitionDto) },
    description: 'Named lookups of other departments’ data, read by rules as `facts.<name>`',
  })
  @Optional()
  @IsObject()
  @ValidateNested({ each: true })
  @Transform(({ obj }) => toFactMap((obj as Record<string, unknown>).facts), { toClassOnly: true })
  facts?: Map<string, FactDefinitionDto>;

  @ApiPropertyOptional({
    type: DurationDto,
    description:
      'How long an application may wait for the applicant to correct it before it lapses (status `lapsed`); ' +
      'exactly one unit, working days on the workflow calendar. None: it waits without limit',
  })
  @Optional()
  @ValidateNested()
  @Type(() => DurationDto)
  @IsObject()
  @HasExactlyOneUnit()
  correctionWindow?: DurationDto;

  @ApiProperty({ type: [StepDefinitionDto], minItems: 1, maxItems: MAX_STEPS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STEPS)
  @ValidateNested({ each: true })
  @Type(() => StepDefinitionDto)
  steps: StepDefinitionDto[];
}

/** class-validator walks a Map's values with their keys as paths; a plain record it would not. */
function toFactMap(value: unknown): unknown {
  if (value instanceof Map) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return new Map(
    Object.entries(value).map(([name, fact]) => [
      name,
      typeof fact === 'object' && fact !== null && !Array.isArray(fact)
        ? plainToInstance(FactDefinitionDto, fact)
        : fact,
    ]),
  );
}

/** `?version=N` of a workflow's reads; any other parameter is refused, as on every list. */
export class WorkflowVersionQuery {
  @ApiPropertyOptional({ type: 'integer', description: 'A version; the latest if absent' })
  @IsOptional()
  @IsString({ message: 'version must be an integer from 1 to 2147483647' })
  version?: string;
}
