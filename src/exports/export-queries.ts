import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { PageQuery, queryBoolean } from '../common/http/paging';
import { JOB_STATUSES, JobStatus } from '../jobs/export-job';

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
  @Transform(queryBoolean)
  @IsBoolean({ message: 'follow must be true or false' })
  follow = false;
}
