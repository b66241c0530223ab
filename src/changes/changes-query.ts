import { PageQuery, queryBoolean } from '../common/http/paging';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';

export class ExportChangesQuery extends PageQuery {
  @ApiProperty({ type: String, format: 'uuid', description: 'The earlier completed export to compare with' })
  @IsUUID('all', { message: 'since must be the id of an export' })
  since: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Compare even when the exports were made with different filters or formats (see 422)',
    default: false,
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'force must be true or false' })
  force = false;
}
