import { ExportParameters } from '../export-parameters/export-parameters';

/**
 * The workspace configuration in Terraform's JSON syntax. Built as data, never as HCL text, so no
 * request value can add configuration; and because Terraform evaluates `${...}` and `%{...}` inside
 * JSON strings, those sequences are escaped so every value reaches the provider literally
 * (validation refuses them already; this keeps the guarantee here too). Only attributes the caller
 * gave are written: the provider treats any present attribute (even `false` or `[]`) as set when
 * checking conflicts.
 */
export function buildWorkspaceConfig(
  parameters: ExportParameters,
  exportDirectory: string,
  providerVersion: string,
): object {
  return {
    terraform: buildProviderRequirement(providerVersion),
    provider: { genesyscloud: {} },
    resource: {
      genesyscloud_tf_export: {
        export: escapeTemplates({ ...parameters, directory: exportDirectory }),
      },
    },
  };
}

/** The `terraform` block pinning the Genesys Cloud provider. */
export function buildProviderRequirement(providerVersion: string) {
  return {
    required_providers: {
      genesyscloud: { source: 'mypurecloud/genesyscloud', version: providerVersion },
    },
  };
}

/** `${` → `$${` and `%{` → `%%{`, Terraform's escapes for literal template sequences. */
function escapeTemplates<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/([$%])\{/g, '$1$1{') as T;
  if (Array.isArray(value)) return value.map(escapeTemplates) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeTemplates(item)])) as T;
  }
  return value;
}
