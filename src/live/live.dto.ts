import { ApiProperty } from '@nestjs/swagger';

class ActorDto {
  @ApiProperty({ enum: ['admin', 'officer', 'applicant', 'system'] })
  role: string;

  @ApiProperty()
  id: string;
}

/** The `data` of one application event: one history entry. The SSE `id` is its `seq`. */
export class HistoryEventDto {
  @ApiProperty({ format: 'uuid' })
  applicationId: string;

  @ApiProperty({ description: 'History sequence number, also the SSE event id (resume with Last-Event-ID)' })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: ActorDto })
  actor: ActorDto;

  @ApiProperty({ example: 'step_opened' })
  type: string;

  @ApiProperty({ nullable: true, type: String })
  step: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  detail: Record<string, unknown>;
}

/** The `data` of `end`: the application is decided, and the stream closes after it. */
export class StreamEndDto {
  @ApiProperty({ example: 'approved' })
  status: string;
}

/** The `data` of `ready`: the inbox stream listens for the tasks of the officer's departments. */
export class InboxReadyDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The first of the officer's departments (kept for one-department clients); null for an admin",
  })
  department: string | null;

  @ApiProperty({
    nullable: true,
    type: [String],
    example: ['market-regulation', 'fire-rescue'],
    description:
      'Every department the stream covers, as the token names them; null for an admin (all of them)',
  })
  departments: string[] | null;
}

/** The `data` of `resync`: changes may have been missed; reload the inbox. */
export class InboxResyncDto {}

/**
 * The `data` of `withheld`: a task changed, but its view (which shows form fields) is past the department's read
 * quota. Fetch it with `GET /api/v1/tasks/{id}` once `retryAfterSeconds` have passed.
 */
export class TaskWithheldDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Seconds until the quota frees up' })
  retryAfterSeconds: number;
}
