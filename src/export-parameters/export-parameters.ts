import { EXPORT_ATTRIBUTES, ExportAttributeValues } from './export-attributes';

/**
 * The parameters of one export, as stored with its job and written into Terraform. A leaf: the jobs,
 * exporter and exports modules all read it, and it depends on none of them.
 */

/**
 * The `genesyscloud_tf_export` attributes a caller gave, named and typed as the provider names them.
 * An omitted attribute is left out of the Terraform configuration, so the provider default applies.
 */
export type ExportParameters = Partial<ExportAttributeValues>;

/** The formats the provider accepts, lower-case as they are stored. */
export const EXPORT_FORMATS: readonly string[] = EXPORT_ATTRIBUTES.export_format.allowed ?? [];

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

/** The provider's default `./genesyscloud`, normalised like every directory we store. */
export const EXPORT_DEFAULT_DIRECTORY = normaliseExportDirectory(String(EXPORT_ATTRIBUTES.directory.default));

/** Where in the job's folder the export lands: the caller's `directory`, else the provider default. */
export function exportDirectoryOf(parameters: ExportParameters): string {
  return parameters.directory ?? EXPORT_DEFAULT_DIRECTORY;
}
