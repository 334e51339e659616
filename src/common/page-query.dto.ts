import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** The page of a keyset list: its size and the cursor a previous page returned (see cursor.util.ts). */
export class PageQuery {
  @ApiPropertyOptional({ description: 'Page size, 1 to 100 (default 50)' })
  @IsOptional()
  @Matches(/^([1-9]|[1-9]\d|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
