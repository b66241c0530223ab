import { ExportParameters } from '../export-parameters/export-parameters';

/**
 * The cty types (as `terraform providers schema -json` prints them) of the genesyscloud_tf_export
 * attributes this server validates and writes, provider v1.84.1 (reference §1).
 */
const LIST = ['list', 'string'];
export const EXPECTED_EXPORT_ATTRIBUTE_TYPES: Readonly<Record<keyof ExportParameters, unknown>> = {
  directory: 'string',
  resource_types: LIST,
  include_filter_resources: LIST,
  include_filter_resources_by_id: LIST,
  exclude_filter_resources: LIST,
  replace_with_datasource: LIST,
  include_state_file: 'bool',
  export_as_hcl: 'bool',
  export_format: 'string',
  split_files_by_resource: 'bool',
  log_permission_errors: 'bool',
  exclude_attributes: LIST,
  enable_dependency_resolution: 'bool',
  ignore_cyclic_deps: 'bool',
  compress: 'bool',
  export_computed: 'bool',
  use_legacy_architect_flow_exporter: 'bool',
  max_concurrent_threads: 'number',
  export_deprecated: 'bool',
  export_omit_unresolved_refs: 'bool',
};

export interface SchemaDrift {
  /** Each difference, as an operator reads it. */
  differences: string[];
  /** Attributes this server knows that the installed provider lacks: requests using them are refused. */
  missing: string[];
}

const RESOURCE_TYPE = 'genesyscloud_tf_export';

/**
 * Compares the installed provider's genesyscloud_tf_export (from `terraform providers schema
 * -json`) with the attribute table: `~> 1.84` lets Terraform install a newer provider whose
 * attributes this server's validation does not know.
 */
export function compareProviderSchema(schemaJson: unknown): SchemaDrift {
  const providers = (schemaJson as { provider_schemas?: Record<string, unknown> })?.provider_schemas ?? {};
  const address = Object.keys(providers).find((key) => key.endsWith('/mypurecloud/genesyscloud'));
  const resource = address
    ? (providers[address] as { resource_schemas?: Record<string, unknown> }).resource_schemas?.[RESOURCE_TYPE]
    : undefined;
  const installed = (resource as { block?: { attributes?: Record<string, { type?: unknown }> } })?.block
    ?.attributes;
  if (!installed) {
    return { differences: [`the installed provider has no ${RESOURCE_TYPE} resource`], missing: [] };
  }
  const differences: string[] = [];
  const missing: string[] = [];
  for (const [name, expected] of Object.entries(EXPECTED_EXPORT_ATTRIBUTE_TYPES)) {
    const found = installed[name];
    if (!found) {
      missing.push(name);
      differences.push(`${name}: not in the installed provider (refused in requests)`);
    } else if (JSON.stringify(found.type) !== JSON.stringify(expected)) {
      differences.push(
        `${name}: type ${JSON.stringify(found.type)} in the installed provider, ${JSON.stringify(expected)} here`,
      );
    }
  }
  for (const name of Object.keys(installed).sort()) {
    if (name !== 'id' && !(name in EXPECTED_EXPORT_ATTRIBUTE_TYPES)) {
      differences.push(`${name}: in the installed provider, unknown to this server (not offered)`);
    }
  }
  return { differences, missing };
}
