import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { JobsModule } from '../jobs/jobs.module';
import { TerraformExporter } from './terraform-exporter';
import { TerraformSetup } from './terraform-setup';

/**
 * Runs the real exporter (Terraform + the Genesys Cloud provider) as a supervised child process;
 * ExportRunHandler is the job handler the worker runs export jobs with.
 */
@Module({
  imports: [FilesModule, JobsModule],
  providers: [TerraformExporter, TerraformSetup],
  exports: [TerraformExporter, TerraformSetup, FilesModule],
})
export class ExporterModule {}
