import { ApiProperty } from '@nestjs/swagger';

export class QueueDashboardSessionDto {
  @ApiProperty({
    description:
      'Open this address in the browser within a minute: it sets the dashboard cookie and redirects',
    example: '/admin/queues/enter?code=eyJhbGciOiJIUzI1NiJ9...',
  })
  url!: string;

  @ApiProperty({ description: 'When the address stops working', format: 'date-time' })
  expiresAt!: string;
}
