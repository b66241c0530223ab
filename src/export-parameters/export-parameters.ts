/**
 * The parameters of one export, as stored with its job and written into Terraform. A leaf: the jobs,
 * exporter and exports modules all read it, and it depends on none of them.
 */
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
