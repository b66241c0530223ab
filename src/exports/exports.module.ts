import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExporterModule } from '../exporter/exporter.module';
import { FilesModule } from '../files/files.module';
import { JobsModule } from '../jobs/jobs.module';
import { ExportJobRunner } from './export-job-runner';
import { ExportsController } from './exports.controller';
import { ExportsService } from './exports.service';

/** The exports API and the orchestration of export jobs. */
@Module({
  imports: [AuthModule, JobsModule, ExporterModule, FilesModule],
  controllers: [ExportsController],
  providers: [ExportsService, ExportJobRunner],
})
export class ExportsModule {}
