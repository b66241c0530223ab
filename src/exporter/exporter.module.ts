import { Module } from '@nestjs/common';
import { TerraformExporter } from './terraform-exporter';
import { TerraformSetup } from './terraform-setup';

/** Runs the real exporter (Terraform + the Genesys Cloud provider) as a supervised child process. */
@Module({
  providers: [TerraformExporter, TerraformSetup],
  exports: [TerraformExporter, TerraformSetup],
})
export class ExporterModule {}
