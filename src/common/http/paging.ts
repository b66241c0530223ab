import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

const CURSOR = /^[A-Za-z0-9_-]{1,1000}$/;

/** The paging of every list: a page size, and where the previous page ended. */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 20,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @ApiPropertyOptional({
    type: String,
    description:
      'Where to continue: the `next_cursor` of the previous page (opaque; absent for the first page)',
    pattern: CURSOR.source,
  })
  @IsOptional()
  @Matches(CURSOR, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

/** The paging members of every list answer. */
export class PageView {
  @ApiProperty() limit: number;
  @ApiProperty({ description: 'Whether more follow this page' }) has_more: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  next_cursor: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The next page (also in the `Link` header, rel="next"); null on the last page',
  })
  next: string | null;
}

/** For `@Transform`: a query string's `true` / `false` as booleans; anything else is left for validation to refuse. */
export function queryBoolean({ value }: { value: unknown }): unknown {
  return value === 'true' ? true : value === 'false' ? false : value;
}
