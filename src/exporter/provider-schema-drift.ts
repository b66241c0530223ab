import {
  EXPORT_ATTRIBUTE_NAMES,
  EXPORT_ATTRIBUTES,
  TerraformType,
} from '../export-parameters/export-attributes';

/** Each Terraform type as `terraform providers schema -json` prints it (a cty type). */
const CTY_TYPES: Readonly<Record<TerraformType, unknown>> = {
  string: 'string',
  bool: 'bool',
  number: 'number',
  'list(string)': ['list', 'string'],
};

/** The cty types of the genesyscloud_tf_export attributes this server validates and writes. */
export const EXPECTED_EXPORT_ATTRIBUTE_TYPES: Readonly<Record<string, unknown>> = Object.fromEntries(
  EXPORT_ATTRIBUTE_NAMES.map((name) => [name, CTY_TYPES[EXPORT_ATTRIBUTES[name].type]]),
);

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
