import { findRealTerraform, realTerraformVariant } from '../support/exporters';
import { describeExporterScenarios } from './exporter-scenarios';

const terraform = findRealTerraform();

describe('exporter scenarios: real Terraform CLI with the provider stand-in', () => {
  if (terraform) {
    describeExporterScenarios((rootDir) => realTerraformVariant(terraform, rootDir));
  } else {
    console.warn('skipped: no terraform (put it on PATH or set TEST_TERRAFORM_BIN)');
    it.skip('skipped: no terraform (put it on PATH or set TEST_TERRAFORM_BIN)', () => undefined);
  }
});
