import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { TerraformSetup } from '../exporter/terraform-setup';

/** Up once TERRAFORM_BIN ran and the provider is in the plugin cache. */
@Injectable()
export class ExporterHealthIndicator {
  constructor(
    private readonly setup: TerraformSetup,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key = 'exporter'): HealthIndicatorResult {
    const readiness = this.setup.readiness();
    const check = this.indicator.check(key);
    const details = {
      state: readiness.state,
      terraform_version: readiness.terraformVersion ?? null,
      provider_version_constraint: readiness.providerVersionConstraint,
      ...(readiness.schemaDrift ? { schema_drift: readiness.schemaDrift } : {}),
      ...(readiness.detail ? { detail: readiness.detail } : {}),
    };
    return readiness.state === 'ready' ? check.up(details) : check.down(details);
  }
}
