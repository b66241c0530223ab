import { Module } from '@nestjs/common';
import { JobFiles } from './job-files';

/** Each job's folder under EXPORT_BASE_DIR: paths, listing, zip, removal. */
@Module({
  providers: [JobFiles],
  exports: [JobFiles],
})
export class FilesModule {}
