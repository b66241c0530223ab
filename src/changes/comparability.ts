import { ExportParameters } from '../export-parameters/export-parameters';
import { ConfigSyntax } from './exported-resources';

/**
 * When two exports can be compared resource by resource: they were made with the same filters and
 * the same options that change what a resource's block holds, and they share a file syntax.
 * Options that only change where or how the files are written (directory, split files, state file,
 * zip, threads, permission-error logging, cyclic dependencies) do not matter.
 */

/** One reason two exports are not comparable: an attribute whose values differ. */
export interface Incomparability {
  attribute: keyof ExportParameters;
  /** Why that makes the report misleading. */
  reason: string;
  /** The attribute's effective value in the export asked about. */
  export: unknown;
  /** Its effective value in the export compared with (`since`). */
  since: unknown;
}

type ListAttribute = {
  [K in keyof ExportParameters]-?: ExportParameters[K] extends string[] | undefined ? K : never;
}[keyof ExportParameters];
type BooleanAttribute = {
  [K in keyof ExportParameters]-?: ExportParameters[K] extends boolean | undefined ? K : never;
}[keyof ExportParameters];

const SELECTS_RESOURCES = 'it selects other resources: they would show as added or removed';

const LIST_ATTRIBUTES: [ListAttribute, string][] = [
  ['resource_types', SELECTS_RESOURCES],
  ['include_filter_resources', SELECTS_RESOURCES],
  ['include_filter_resources_by_id', SELECTS_RESOURCES],
  ['exclude_filter_resources', SELECTS_RESOURCES],
  ['replace_with_datasource', 'it turns other resources into data sources'],
  ['exclude_attributes', 'it leaves out other attributes: they would show as changed'],
];

/** With the provider's defaults (reference tf_export.md §1), since an omitted attribute takes them. */
const BOOLEAN_ATTRIBUTES: [BooleanAttribute, boolean, string][] = [
  ['enable_dependency_resolution', false, 'it adds dependencies and depends_on'],
  ['export_computed', true, 'it exports other attributes'],
  ['export_deprecated', true, 'it exports other attributes'],
  ['export_omit_unresolved_refs', false, 'it writes unresolved references differently'],
  ['use_legacy_architect_flow_exporter', true, 'it writes flows differently'],
];

const sortedList = (list: string[] | undefined): string[] => [...(list ?? [])].sort();

/** The syntaxes an export's configuration is written in (json_hcl and hcl_json write both). */
export function syntaxesOf(parameters: ExportParameters): ConfigSyntax[] {
  if (parameters.export_as_hcl) return ['hcl'];
  const format = parameters.export_format ?? 'json';
  if (format === 'json') return ['json'];
  if (format === 'hcl') return ['hcl'];
  return ['json', 'hcl'];
}

export interface Comparison {
  /** The syntax each export is read in: one both have (JSON first), else each its own. */
  syntax: { export: ConfigSyntax; since: ConfigSyntax };
  incomparable: Incomparability[];
}

/** How the export with `current` parameters compares with the one made with `since`. */
export function compareParameters(current: ExportParameters, since: ExportParameters): Comparison {
  const incomparable: Incomparability[] = [];
  for (const [attribute, reason] of LIST_ATTRIBUTES) {
    const [a, b] = [sortedList(current[attribute]), sortedList(since[attribute])];
    if (a.join('\n') !== b.join('\n')) incomparable.push({ attribute, reason, export: a, since: b });
  }
  for (const [attribute, fallback, reason] of BOOLEAN_ATTRIBUTES) {
    const [a, b] = [current[attribute] ?? fallback, since[attribute] ?? fallback];
    if (a !== b) incomparable.push({ attribute, reason, export: a, since: b });
  }
  const [mine, theirs] = [syntaxesOf(current), syntaxesOf(since)];
  const shared = mine.find((syntax) => theirs.includes(syntax));
  if (!shared) {
    incomparable.push({
      attribute: 'export_format',
      reason: 'one export has only HCL, the other only JSON, which write some values differently',
      export: mine[0],
      since: theirs[0],
    });
  }
  return { syntax: { export: shared ?? mine[0], since: shared ?? theirs[0] }, incomparable };
}
