import type { CreateExportDto } from './dto/create-export.dto';

export const EXPORT_FORMATS = ['hcl', 'json', 'json_hcl', 'hcl_json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The provider's default `./genesyscloud`, normalised like every directory we store. */
export const EXPORT_DEFAULT_DIRECTORY = 'genesyscloud';

/** Where in the job's folder the export lands: the caller's `directory`, else the provider default. */
export function exportDirectoryOf(parameters: ExportParameters): string {
  return parameters.directory ?? EXPORT_DEFAULT_DIRECTORY;
}

/**
 * The `genesyscloud_tf_export` attributes a caller gave, named and typed as the provider names them.
 * An omitted attribute is left out of the Terraform configuration, so the provider default applies.
 */
export interface ExportParameters {
  directory?: string;
  resource_types?: string[];
  include_filter_resources?: string[];
  include_filter_resources_by_id?: string[];
  exclude_filter_resources?: string[];
  replace_with_datasource?: string[];
  include_state_file?: boolean;
  export_as_hcl?: boolean;
  export_format?: ExportFormat;
  split_files_by_resource?: boolean;
  log_permission_errors?: boolean;
  exclude_attributes?: string[];
  enable_dependency_resolution?: boolean;
  ignore_cyclic_deps?: boolean;
  compress?: boolean;
  export_computed?: boolean;
  use_legacy_architect_flow_exporter?: boolean;
  max_concurrent_threads?: number;
  export_deprecated?: boolean;
  export_omit_unresolved_refs?: boolean;
}

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

/**
 * Drops a leading `./` and empty segments (duplicate and trailing slashes): `./a//b/` → `a/b`;
 * `.` when nothing is left. Does not resolve `..`: validation rejects it instead.
 */
export function normaliseExportDirectory(directory: string): string {
  const segments = directory.split('/').filter((segment) => segment !== '');
  if (segments[0] === '.') {
    segments.shift();
  }
  return segments.length === 0 ? '.' : segments.join('/');
}

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
