import exportableResourceTypes from './exportable-resource-types.json';

/**
 * Resource types the Genesys Cloud Terraform provider can export (its RegisterExporter calls).
 * Source: provider v1.84.1; update together with the provider version the exporter runs. Kept as
 * data so the test stand-in for the provider reads the same list.
 */
export const EXPORTABLE_RESOURCE_TYPES: readonly string[] = Object.freeze(exportableResourceTypes);

export const EXPORTABLE_RESOURCE_TYPE_SET: ReadonlySet<string> = new Set(EXPORTABLE_RESOURCE_TYPES);
