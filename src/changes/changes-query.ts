import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';

export class ExportChangesQuery {
  @ApiProperty({ type: String, format: 'uuid', description: 'The earlier completed export to compare with' })
  @IsUUID('all', { message: 'since must be the id of an export' })
  since: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 20,
    description: 'Changes per page',
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
    pattern: '^[A-Za-z0-9_-]{1,1000}$',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,1000}$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Compare even when the exports were made with different filters or formats (see 422)',
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'force must be true or false' })
  force = false;
}
