import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { JOB_STATUSES, JobStatus } from '../jobs/export-job';

/** The paging of every list: a page size, and where the previous page ended. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Items per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @ApiPropertyOptional({
    type: String,
    description: 'Where to continue: the `next_cursor` of the previous page (opaque; absent for the first page)',
    pattern: '^[A-Za-z0-9_-]{1,200}$',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

export class ListExportsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES, description: 'Only jobs in this state' })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;
}

export class JobLogQuery {
  @ApiPropertyOptional({
    type: Boolean,
    description: 'Keep the response open and stream new lines until the job ends',
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'follow must be true or false' })
  follow = false;
}
