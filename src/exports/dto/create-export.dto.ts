import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { RE2JS, RE2JSException } from 're2js';
import { ConflictsWith, EntryCheck, IsStringList, Satisfies } from '../../common/validation/validation-pipe';
import { EXPORTABLE_RESOURCE_TYPES, EXPORTABLE_RESOURCE_TYPE_SET } from '../exportable-resource-types';
import { EXPORT_DEFAULT_DIRECTORY, EXPORT_FORMATS, normaliseExportDirectory } from '../../export-parameters/export-parameters';

const MAX_LIST_ENTRIES = 200;
const MAX_ENTRY_LENGTH = 512;
const MAX_REGEX_LENGTH = 256;
// Compiling is the costly part of validation: about 1 µs per RE2 program instruction (one
// 256-character pattern can reach 35 000) and up to 0.1 ms per Unicode class such as \pL. Without
// a budget, one request could block the event loop for many seconds.
const REGEX_COMPILE_BUDGET_PER_LIST = 50_000;
const UNICODE_CLASS_COMPILE_COST = 100;
const MAX_DIRECTORY_LENGTH = 200;
const MAX_DIRECTORY_LEVELS = 8;
// The service writes the job's download archive under this name in the job folder.
const RESERVED_DIRECTORY_NAME = 'export.zip';
const MAX_THREADS = 100;
const MAX_SUGGESTION_DISTANCE = 3;

const ONE_FILTER_HINT = 'the provider accepts only one filter attribute';
const ONE_FORMAT_HINT = 'the provider accepts only one of them (export_as_hcl is deprecated: use export_format)';
const BOOLEAN_MESSAGE = '$property must be a JSON boolean (true or false)';

const REGEX_FILTER_SYNTAX =
  'Entries are <resource type> or <resource type>::<RE2 regex matched against resource labels>';
const LABEL_FILTER_SYNTAX = 'Entries are <resource type> or <resource type>::<exact resource label>';
const ID_FILTER_SYNTAX = 'Entries are <resource type>::<resource id>';
const EXCLUDED_ATTRIBUTE_SYNTAX =
  'Entries are <resource type>.<attribute>[.<nested attribute>...], e.g. "genesyscloud_user.skills"; ' +
  'the resource type may be an RE2 regex without "."';
const DIRECTORY_RULE =
  `a relative path of 1 to ${MAX_DIRECTORY_LEVELS} folder names made of A-Z, a-z, 0-9, ".", "_" and "-", ` +
  'separated by "/"';
const ATTRIBUTE_PATH = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/;
const OVER_BUDGET_PROBLEM =
  `is over the list's budget: together, the regexes of one list may cost at most ${REGEX_COMPILE_BUDGET_PER_LIST} ` +
  `(RE2 program size, plus ${UNICODE_CLASS_COMPILE_COST} per Unicode class such as \\pL); use fewer or simpler regexes`;

function quote(text: string): string {
  return JSON.stringify(text);
}

function isNonEmptyArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Levenshtein distance, or `limit + 1` beyond `limit`; computes only the band within `limit` of the diagonal. */
function editDistance(from: string, to: string, limit: number): number {
  const beyond = limit + 1;
  if (Math.abs(from.length - to.length) > limit) {
    return beyond;
  }
  let previous = Array.from({ length: to.length + 1 }, (_, column) => Math.min(column, beyond));
  for (let row = 1; row <= from.length; row += 1) {
    const current = new Array<number>(to.length + 1).fill(beyond);
    current[0] = Math.min(row, beyond);
    let rowMinimum = current[0];
    for (let column = Math.max(1, row - limit); column <= Math.min(to.length, row + limit); column += 1) {
      const substitution = previous[column - 1] + (from[row - 1] === to[column - 1] ? 0 : 1);
      current[column] = Math.min(previous[column] + 1, current[column - 1] + 1, substitution, beyond);
      rowMinimum = Math.min(rowMinimum, current[column]);
    }
    if (rowMinimum > limit) {
      return beyond;
    }
    previous = current;
  }
  return previous[to.length];
}

/** The exportable type a caller most likely meant, when one stands out. */
function closestResourceType(candidate: string): string | undefined {
  const normalised = candidate.trim().toLowerCase();
  const exact = [normalised, `genesyscloud_${normalised}`].find((guess) => EXPORTABLE_RESOURCE_TYPE_SET.has(guess));
  if (exact !== undefined) {
    return exact;
  }
  const distances = EXPORTABLE_RESOURCE_TYPES.map((type) => ({
    type,
    distance: editDistance(normalised, type, MAX_SUGGESTION_DISTANCE),
  }));
  const smallest = Math.min(...distances.map(({ distance }) => distance));
  const nearest = distances.filter(({ distance }) => distance === smallest);
  if (smallest <= MAX_SUGGESTION_DISTANCE && nearest.length === 1) {
    return nearest[0].type;
  }
  // The provider's own check passes any value that contains a type name, so that name is the likely intent.
  return EXPORTABLE_RESOURCE_TYPES.filter((type) => normalised.includes(type)).sort((a, b) => b.length - a.length)[0];
}

function unknownTypeProblem(entry: string, type: string, syntax: string): string {
  let problem = `${quote(type)} is not an exportable resource type`;
  if (EXPORTABLE_RESOURCE_TYPES.some((known) => entry.includes(known))) {
    problem += ' (the provider would accept this entry but export nothing for it)';
  }
  const suggestion = closestResourceType(type);
  return suggestion === undefined
    ? `${problem}. ${syntax}`
    : `${problem}; did you mean ${quote(suggestion)}? ${syntax}`;
}

/** Splits at the first `::`, as the provider does. */
function splitFilterEntry(entry: string): { type: string; qualifier?: string } {
  const separator = entry.indexOf('::');
  return separator === -1
    ? { type: entry }
    : { type: entry.slice(0, separator), qualifier: entry.slice(separator + 2) };
}

/** Rules for every list entry, since each one ends up as a string in the generated Terraform JSON. */
function withTerraformStringRules(check: EntryCheck): EntryCheck {
  return (entry) => {
    // Unpaired surrogates cannot be encoded as UTF-8; no type, label, id or attribute has control characters.
    if (/[\p{Cc}\p{Cs}]/u.test(entry)) {
      return `${quote(entry)} contains a control character or an unpaired surrogate`;
    }
    // Terraform reads strings in .tf.json files as templates, so it would evaluate these sequences.
    if (entry.includes('${') || entry.includes('%{')) {
      return `${quote(entry)} contains "\${" or "%{", which Terraform would evaluate as a template sequence`;
    }
    return check(entry);
  };
}

type Re2CompileResult = { pattern: RE2JS } | { problem: string };

/** What compiling `source` is charged: its RE2 program size, plus the Unicode classes the size does not show. */
function compileCost(source: string, pattern: RE2JS): number {
  const unicodeClasses = [...source.matchAll(/\\(?:\\|[pP])/g)].filter(([escape]) => escape !== '\\\\').length;
  return pattern.programSize() + unicodeClasses * UNICODE_CLASS_COMPILE_COST;
}

/** Compiles the RE2 patterns of one list (Go's regexp syntax) within the list's budget. */
class Re2Compiler {
  private remainingBudget = REGEX_COMPILE_BUDGET_PER_LIST;

  compile(source: string): Re2CompileResult {
    if (source.length > MAX_REGEX_LENGTH) {
      return { problem: `is ${source.length} characters long; at most ${MAX_REGEX_LENGTH} are allowed` };
    }
    if (this.remainingBudget < 0) {
      return { problem: OVER_BUDGET_PROBLEM };
    }
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(source);
    } catch (error) {
      if (error instanceof RE2JSException) {
        return { problem: `is not valid RE2 (Go regexp) syntax: ${error.message}` };
      }
      throw error;
    }
    this.remainingBudget -= compileCost(source, pattern);
    return this.remainingBudget < 0 ? { problem: OVER_BUDGET_PROBLEM } : { pattern };
  }
}

/** include_filter_resources, exclude_filter_resources and replace_with_datasource: `<type>[::<regex>]`. */
function createRegexFilterCheck(): EntryCheck {
  const compiler = new Re2Compiler();
  return withTerraformStringRules((entry) => {
    const { type, qualifier } = splitFilterEntry(entry);
    if (!EXPORTABLE_RESOURCE_TYPE_SET.has(type)) {
      return unknownTypeProblem(entry, type, REGEX_FILTER_SYNTAX);
    }
    if (qualifier === undefined || qualifier === '') {
      return undefined;
    }
    const compiled = compiler.compile(qualifier);
    return 'problem' in compiled ? `regex ${quote(qualifier)} after "${type}::" ${compiled.problem}` : undefined;
  });
}

/** resource_types: `<type>` or `<type>::<exact label>`. */
const checkLabelFilter = withTerraformStringRules((entry) => {
  const { type, qualifier } = splitFilterEntry(entry);
  if (!EXPORTABLE_RESOURCE_TYPE_SET.has(type)) {
    return unknownTypeProblem(entry, type, LABEL_FILTER_SYNTAX);
  }
  return qualifier === ''
    ? `${quote(entry)} has an empty label; write ${quote(type)} to export every resource of the type`
    : undefined;
});

/** include_filter_resources_by_id: `<type>::<id>`. */
const checkIdFilter = withTerraformStringRules((entry) => {
  const { type, qualifier } = splitFilterEntry(entry);
  if (!EXPORTABLE_RESOURCE_TYPE_SET.has(type)) {
    return unknownTypeProblem(entry, type, ID_FILTER_SYNTAX);
  }
  if (qualifier === undefined || qualifier === '') {
    return `${quote(entry)} has no resource id. ${ID_FILTER_SYNTAX}`;
  }
  return /\s/u.test(qualifier) ? `resource id ${quote(qualifier)} contains whitespace` : undefined;
});

/** The resource types whose exporters run: as in the provider's createTfExport, the first non-empty filter decides. */
function exportedResourceTypes(dto: CreateExportDto): { types: ReadonlySet<string>; selectedBy: string } {
  const typesIn = (entries: unknown[]): Set<string> =>
    new Set(entries.filter(isString).map((entry) => splitFilterEntry(entry).type));
  if (isNonEmptyArray(dto.include_filter_resources)) {
    return { types: typesIn(dto.include_filter_resources), selectedBy: 'selected by include_filter_resources' };
  }
  if (isNonEmptyArray(dto.include_filter_resources_by_id)) {
    return {
      types: typesIn(dto.include_filter_resources_by_id),
      selectedBy: 'selected by include_filter_resources_by_id',
    };
  }
  if (isNonEmptyArray(dto.exclude_filter_resources)) {
    // Only a bare type removes the type; `type::regex` removes resources and still runs the type.
    const removed = new Set(dto.exclude_filter_resources);
    return {
      types: new Set(EXPORTABLE_RESOURCE_TYPES.filter((type) => !removed.has(type))),
      selectedBy: 'the others are removed by exclude_filter_resources',
    };
  }
  if (isNonEmptyArray(dto.resource_types)) {
    return { types: typesIn(dto.resource_types), selectedBy: 'selected by resource_types' };
  }
  return { types: EXPORTABLE_RESOURCE_TYPE_SET, selectedBy: 'every exportable type' };
}

/** With dependency resolution the provider only warns about an exclusion for a type it does not run. */
function dependencyResolutionApplies(dto: CreateExportDto): boolean {
  return (
    dto.enable_dependency_resolution === true &&
    (isNonEmptyArray(dto.include_filter_resources) || isNonEmptyArray(dto.include_filter_resources_by_id))
  );
}

/** exclude_attributes: `<type or RE2 regex>.<attribute>[.<nested>...]`, checked as populateConfigExcluded does. */
function createExcludedAttributeCheck(dto: CreateExportDto): EntryCheck {
  const compiler = new Re2Compiler();
  const exported = exportedResourceTypes(dto);
  const mustMatchExportedType = !dependencyResolutionApplies(dto);
  return withTerraformStringRules((entry) => {
    const dot = entry.indexOf('.');
    if (dot === -1) {
      return `${quote(entry)} has no attribute. ${EXCLUDED_ATTRIBUTE_SYNTAX}`;
    }
    const typePattern = entry.slice(0, dot);
    const attributePath = entry.slice(dot + 1);
    if (typePattern === '') {
      return `${quote(entry)} has no resource type before the first ".". ${EXCLUDED_ATTRIBUTE_SYNTAX}`;
    }
    if (!ATTRIBUTE_PATH.test(attributePath)) {
      return (
        `attribute path ${quote(attributePath)} must be attribute names made of a-z, 0-9 and "_", ` +
        `separated by ".". ${EXCLUDED_ATTRIBUTE_SYNTAX}`
      );
    }
    const compiled = compiler.compile(typePattern);
    if ('problem' in compiled) {
      return `resource type ${quote(typePattern)} is not an exportable resource type, and as a regex it ${
        compiled.problem
      }`;
    }
    const matchedTypes = EXPORTABLE_RESOURCE_TYPES.filter((type) => compiled.pattern.test(type));
    if (matchedTypes.length === 0) {
      const suggestion = closestResourceType(typePattern);
      const hint = suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
      return `resource type ${quote(typePattern)} matches no exportable resource type${hint}`;
    }
    if (mustMatchExportedType && !matchedTypes.some((type) => exported.types.has(type))) {
      return (
        `resource type ${quote(typePattern)} matches none of the resource types this export runs ` +
        `(${exported.selectedBy}); the provider would fail with ` +
        `"Resource ${typePattern} in excluded_attributes is not being exported."`
      );
    }
    return undefined;
  });
}

function describeCharacter(character: string): string {
  const codePoint = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `${quote(character)} (U+${codePoint})`;
}

/** The export directory must stay inside the job's folder and leave room for what else lives there. */
function directoryProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return `directory must be a string: ${DIRECTORY_RULE}`;
  }
  if (value.length === 0 || value.length > MAX_DIRECTORY_LENGTH) {
    return `directory must be 1 to ${MAX_DIRECTORY_LENGTH} characters long, not ${value.length}: ${DIRECTORY_RULE}`;
  }
  if (value.startsWith('/')) {
    return `directory must be relative, since it is created inside the export job's own folder: ${DIRECTORY_RULE}`;
  }
  const forbidden = /[^A-Za-z0-9._/-]/u.exec(value);
  if (forbidden !== null) {
    return `directory must not contain ${describeCharacter(forbidden[0])}: ${DIRECTORY_RULE}`;
  }
  const normalised = normaliseExportDirectory(value);
  if (normalised === '.') {
    return (
      `directory must name a folder below the job's folder, e.g. "${EXPORT_DEFAULT_DIRECTORY}": ` +
      "with compress the provider writes its zip into the directory's parent"
    );
  }
  const folders = normalised.split('/');
  if (folders.some((folder) => folder === '.' || folder === '..')) {
    return `directory must not contain "." or ".." as a folder name (only a leading "./" is accepted): ${
      DIRECTORY_RULE
    }`;
  }
  if (folders.length > MAX_DIRECTORY_LEVELS) {
    return `directory must have at most ${MAX_DIRECTORY_LEVELS} folder levels, not ${folders.length}: ${
      DIRECTORY_RULE
    }`;
  }
  // Case-insensitive so that the rule also holds on case-insensitive file systems.
  if (folders[0].toLowerCase() === RESERVED_DIRECTORY_NAME) {
    return `directory must not start with "${RESERVED_DIRECTORY_NAME}", the name of the job's download archive`;
  }
  return undefined;
}

function exportFormatProblem(value: unknown): string | undefined {
  const formats: readonly string[] = EXPORT_FORMATS;
  return typeof value === 'string' && formats.includes(value.toLowerCase())
    ? undefined
    : `export_format must be one of ${EXPORT_FORMATS.join(', ')} (case-insensitive)`;
}

function threadCountProblem(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_THREADS
    ? undefined
    : `max_concurrent_threads must be an integer from 0 to ${MAX_THREADS}`;
}

const LIST_LIMITS = { maxEntries: MAX_LIST_ENTRIES, maxEntryLength: MAX_ENTRY_LENGTH };
const LIST_SCHEMA = {
  type: 'array',
  items: { type: 'string', maxLength: MAX_ENTRY_LENGTH },
  maxItems: MAX_LIST_ENTRIES,
  nullable: true,
} as const;

/**
 * The attributes of the provider's `genesyscloud_tf_export` resource (v1.84.1), named and typed as
 * there. Omitted or null attributes take the provider default: they are not written into the
 * Terraform configuration at all, because the provider's ConflictsWith counts any written value.
 */
export class CreateExportDto {
  @ApiPropertyOptional({
    description:
      `Folder for the exported files, inside the export job's own folder: ${DIRECTORY_RULE}. ` +
      'A leading "./" and duplicate or trailing slashes are accepted; ".", "..", absolute paths, "~", "\\" ' +
      'and "%" are not. It must be at least one level below the job folder (compress writes the zip into ' +
      'its parent) and must not start with "export.zip". Provider default: ./genesyscloud.',
    example: 'genesyscloud/queues',
    default: './genesyscloud',
    type: 'string',
    maxLength: MAX_DIRECTORY_LENGTH,
    nullable: true,
  })
  @IsOptional()
  @Satisfies('exportDirectory', directoryProblem)
  directory?: string | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Deprecated by the provider: use include_filter_resources. Resource types to export, each <type> or ' +
      '<type>::<exact label>. Conflicts with include_filter_resources, include_filter_resources_by_id and ' +
      'exclude_filter_resources. Provider default: unset (every type).',
    example: ['genesyscloud_routing_queue', 'genesyscloud_user::Jane Doe'],
    deprecated: true,
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: () => checkLabelFilter })
  @ConflictsWith(
    ['include_filter_resources', 'include_filter_resources_by_id', 'exclude_filter_resources'],
    ONE_FILTER_HINT,
  )
  resource_types?: string[] | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Export only these resource types, each <type> (every resource of the type) or <type>::<RE2 regex> ' +
      '(the resources whose label matches; unanchored, Go syntax; several regexes of one type are OR-ed; ' +
      '<type>:: keeps all). The type must be exactly one of the exportable types. Conflicts with ' +
      'resource_types, include_filter_resources_by_id and exclude_filter_resources. ' +
      'Provider default: unset (every type).',
    example: ['genesyscloud_routing_queue::^Sales', 'genesyscloud_flow'],
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: createRegexFilterCheck })
  @ConflictsWith(['resource_types', 'include_filter_resources_by_id', 'exclude_filter_resources'], ONE_FILTER_HINT)
  include_filter_resources?: string[] | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Export only these resources, each <type>::<resource id> (exact id, no whitespace). Conflicts with ' +
      'resource_types, include_filter_resources and exclude_filter_resources. Provider default: unset.',
    example: ['genesyscloud_routing_queue::3a9f3b3c-6f0e-4c52-9a0e-0c2b8f4f1d2e'],
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: () => checkIdFilter })
  @ConflictsWith(['resource_types', 'include_filter_resources', 'exclude_filter_resources'], ONE_FILTER_HINT)
  include_filter_resources_by_id?: string[] | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Export every type except: <type> (the whole type) or <type>::<RE2 regex> (the resources whose label ' +
      'matches; <type>:: drops them all but still lists the type). Dependency resolution does not apply with ' +
      'this filter. Conflicts with resource_types, include_filter_resources and ' +
      'include_filter_resources_by_id. Provider default: unset.',
    example: ['genesyscloud_user', 'genesyscloud_routing_queue::^Test'],
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: createRegexFilterCheck })
  @ConflictsWith(['resource_types', 'include_filter_resources', 'include_filter_resources_by_id'], ONE_FILTER_HINT)
  exclude_filter_resources?: string[] | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Export these as data sources instead of managed resources: <type> (every resource of the type) or ' +
      '<type>::<RE2 regex> matched against labels. Provider default: unset.',
    example: ['genesyscloud_auth_division::^Home$'],
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: createRegexFilterCheck })
  replace_with_datasource?: string[] | null;

  @ApiPropertyOptional({
    description:
      'Also write terraform.tfstate for the exported resources (the export fails if it exports nothing). ' +
      'Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  include_state_file?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Deprecated by the provider: use export_format. true writes HCL. Conflicts with export_format, even ' +
      'when false. Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
    deprecated: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  @ConflictsWith(['export_format'], ONE_FORMAT_HINT)
  export_as_hcl?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Output format: hcl, json, json_hcl or hcl_json (case-insensitive; json_hcl and hcl_json write both). ' +
      'Conflicts with export_as_hcl. Provider default: json.',
    example: 'hcl',
    default: 'json',
    type: 'string',
    enum: EXPORT_FORMATS,
    nullable: true,
  })
  @IsOptional()
  @Satisfies('exportFormat', exportFormatProblem)
  @ConflictsWith(['export_as_hcl'], ONE_FORMAT_HINT)
  export_format?: string | null;

  @ApiPropertyOptional({
    description:
      'Write one file per resource type, plus provider and variables files, instead of a single file. ' +
      'Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  split_files_by_resource?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Record permission and product errors in export_errors.json and go on, instead of failing the export. ' +
      'Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  log_permission_errors?: boolean | null;

  @ApiPropertyOptional({
    ...LIST_SCHEMA,
    description:
      'Attributes to leave out, each <type>.<attribute>[.<nested attribute>...], e.g. genesyscloud_user.skills. ' +
      'The type part may be an RE2 regex without "." that matches at least one exportable type; unless ' +
      'dependency resolution applies, it must match a type the export runs. Provider default: unset.',
    example: ['genesyscloud_user.skills', 'genesyscloud_routing_queue.members'],
  })
  @IsOptional()
  @IsStringList({ ...LIST_LIMITS, createEntryCheck: createExcludedAttributeCheck })
  exclude_attributes?: string[] | null;

  @ApiPropertyOptional({
    description:
      'Also export the resources the selected ones depend on. Takes effect only with include_filter_resources ' +
      'or include_filter_resources_by_id. Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  enable_dependency_resolution?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Ignore cyclic flow dependencies (listed in cyclicDepends.txt); false fails the export when there are ' +
      'cycles. Provider default: true.',
    example: false,
    default: true,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  ignore_cyclic_deps?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Also zip the exported files (flat, without folders) into the parent folder of the directory. ' +
      'Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  compress?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Export attributes that are computed and optional; computed-only attributes are never exported. ' +
      'Provider default: true.',
    example: false,
    default: true,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  export_computed?: boolean | null;

  @ApiPropertyOptional({
    description:
      'false downloads flow YAML into architect_flows/ (needs the Architect > jobExport > Create and View ' +
      'permissions). Provider default: true.',
    example: false,
    default: true,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  use_legacy_architect_flow_exporter?: boolean | null;

  @ApiPropertyOptional({
    description:
      `Most API calls the exporter makes at once: an integer from 0 to ${MAX_THREADS}; 0 falls back to the ` +
      "provider's token_pool_size. Provider default: 10.",
    example: 20,
    default: 10,
    type: 'integer',
    minimum: 0,
    maximum: MAX_THREADS,
    nullable: true,
  })
  @IsOptional()
  @Satisfies('threadCount', threadCountProblem)
  max_concurrent_threads?: number | null;

  @ApiPropertyOptional({
    description: 'Export attributes the provider marks deprecated. Provider default: true.',
    example: false,
    default: true,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  export_deprecated?: boolean | null;

  @ApiPropertyOptional({
    description:
      'Drop optional references that could not be resolved, instead of leaving raw ids. Provider default: false.',
    example: true,
    default: false,
    type: 'boolean',
    nullable: true,
  })
  @IsOptional()
  @IsBoolean({ message: BOOLEAN_MESSAGE })
  export_omit_unresolved_refs?: boolean | null;
}
