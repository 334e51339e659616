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
