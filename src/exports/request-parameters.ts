import { ExportParameters, normaliseExportDirectory } from '../export-parameters/export-parameters';
import type { CreateExportDto } from './dto/create-export.dto';

// Listed as an object so that the compiler flags an attribute added to ExportParameters but not here.
const EXPORT_ATTRIBUTE_NAMES = Object.keys({
  directory: true,
  resource_types: true,
  include_filter_resources: true,
  include_filter_resources_by_id: true,
  exclude_filter_resources: true,
  replace_with_datasource: true,
  include_state_file: true,
  export_as_hcl: true,
  export_format: true,
  split_files_by_resource: true,
  log_permission_errors: true,
  exclude_attributes: true,
  enable_dependency_resolution: true,
  ignore_cyclic_deps: true,
  compress: true,
  export_computed: true,
  use_legacy_architect_flow_exporter: true,
  max_concurrent_threads: true,
  export_deprecated: true,
  export_omit_unresolved_refs: true,
} satisfies Record<keyof ExportParameters, true>) as (keyof ExportParameters)[];

/** The attributes a validated request gave, as a plain object ready to store and to write into Terraform. */
export function toExportParameters(dto: CreateExportDto): ExportParameters {
  const parameters: Record<string, unknown> = {};
  for (const name of EXPORT_ATTRIBUTE_NAMES) {
    const value = dto[name];
    // null unsets an attribute in Terraform, so it means "provider default" like an omitted one.
    if (value !== undefined && value !== null) {
      parameters[name] = Array.isArray(value) ? [...value] : value;
    }
  }
  if (typeof parameters.export_format === 'string') {
    parameters.export_format = parameters.export_format.toLowerCase();
  }
  if (typeof parameters.directory === 'string') {
    parameters.directory = normaliseExportDirectory(parameters.directory);
  }
  // The DTO passed validation, so every value has the provider's type.
  return parameters;
}
