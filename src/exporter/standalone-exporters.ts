import { ExportParameters } from '../export-parameters/export-parameters';

/**
 * Resource types whose exporter the provider (v1.84.1, util/feature_toggles) skips unless an
 * environment variable exists: their data is exported inside genesyscloud_routing_queue instead.
 * The variables also change how queues are exported, so they are set only for jobs that ask for
 * these types by name.
 */
export const STANDALONE_EXPORTER_TOGGLES: Readonly<Record<string, string>> = {
  genesyscloud_routing_queue_conditional_group_activation: 'ENABLE_STANDALONE_CGA',
  genesyscloud_routing_queue_conditional_group_routing: 'ENABLE_STANDALONE_CGR',
  genesyscloud_routing_queue_outbound_email_address: 'ENABLE_STANDALONE_EMAIL_ADDRESS',
};

/**
 * The toggles a job's Terraform gets: those of the standalone types its include filters name
 * (`include_filter_resources`, `include_filter_resources_by_id`, the legacy `resource_types`).
 * Unfiltered and exclude-filtered jobs keep the provider's default.
 */
export function standaloneExporterToggles(parameters: ExportParameters): string[] {
  const named = new Set(
    [
      ...(parameters.include_filter_resources ?? []),
      ...(parameters.include_filter_resources_by_id ?? []),
      ...(parameters.resource_types ?? []),
    ].map((entry) => entry.split('::')[0]),
  );
  return Object.entries(STANDALONE_EXPORTER_TOGGLES)
    .filter(([type]) => named.has(type))
    .map(([, variable]) => variable);
}
