import { ApiProperty } from '@nestjs/swagger';

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ enum: ['up', 'down'] })
  database!: 'up' | 'down';

  @ApiProperty({ enum: ['up', 'down'] })
  queue!: 'up' | 'down';

  @ApiProperty({ enum: ['redis', 'postgres'] })
  queueBackend!: 'redis' | 'postgres';
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class ReadinessChecksDto {
  @ApiProperty({ enum: ['up', 'down'] })
  database!: 'up' | 'down';

  @ApiProperty({ enum: ['up', 'down'] })
  queue!: 'up' | 'down';

  @ApiProperty({ enum: ['applied', 'pending', 'unknown'], description: 'unknown while the database is down' })
  migrations!: 'applied' | 'pending' | 'unknown';

  @ApiProperty({ description: 'true from SIGTERM on: the process finishes its work and exits' })
  shuttingDown!: boolean;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not ready'] })
  status!: 'ready' | 'not ready';

  @ApiProperty({ type: ReadinessChecksDto })
  checks!: ReadinessChecksDto;
}
