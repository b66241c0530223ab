import { ApiPropertyOptional, ApiPropertyOptions, ExamplesObject } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { RE2JS, RE2JSException } from 're2js';
import { ConflictsWith, EntryCheck, IsStringList, Satisfies } from '../../common/validation/validation-pipe';
import { EXPORTABLE_RESOURCE_TYPES, EXPORTABLE_RESOURCE_TYPE_SET } from '../exportable-resource-types';
import { EXPORT_DEFAULT_DIRECTORY, normaliseExportDirectory } from '../../export-parameters/export-parameters';
import {
  conflictingAttributes,
  EntryRule,
  EXPORT_ATTRIBUTE_NAMES,
  EXPORT_ATTRIBUTES,
  ExportAttribute,
  ExportAttributeName,
  ExportAttributeValues,
} from '../../export-parameters/export-attributes';

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
const MAX_SUGGESTION_DISTANCE = 3;

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
function exportedResourceTypes(dto: ExportRequest): { types: ReadonlySet<string>; selectedBy: string } {
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
function dependencyResolutionApplies(dto: ExportRequest): boolean {
  return (
    dto.enable_dependency_resolution === true &&
    (isNonEmptyArray(dto.include_filter_resources) || isNonEmptyArray(dto.include_filter_resources_by_id))
  );
}

/** exclude_attributes: `<type or RE2 regex>.<attribute>[.<nested>...]`, checked as populateConfigExcluded does. */
function createExcludedAttributeCheck(dto: ExportRequest): EntryCheck {
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

/** The entry checks, by the table's entry rule; each validation of a list builds its own (regex budgets are per list). */
const ENTRY_CHECKS: Record<EntryRule, (request: ExportRequest) => EntryCheck> = {
  'type-or-type-label': () => checkLabelFilter,
  'type-or-type-regex': createRegexFilterCheck,
  'type-and-id': () => checkIdFilter,
  'attribute-path': createExcludedAttributeCheck,
};

function joinWith(conjunction: string, words: readonly string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** How one attribute's value is checked, and what its OpenAPI schema and description say about that. */
interface ValueRule {
  check: PropertyDecorator;
  schema: ApiPropertyOptions;
  sentence?: string;
}

function listRule(name: string, entries: EntryRule | undefined): ValueRule {
  if (entries === undefined) {
    throw new Error(`export-attributes.json: the list ${name} has no entry rule`);
  }
  return {
    check: IsStringList({
      maxEntries: MAX_LIST_ENTRIES,
      maxEntryLength: MAX_ENTRY_LENGTH,
      createEntryCheck: ENTRY_CHECKS[entries],
    }),
    schema: { type: 'array', items: { type: 'string', maxLength: MAX_ENTRY_LENGTH }, maxItems: MAX_LIST_ENTRIES },
  };
}

function allowedValueRule(name: string, allowed: readonly string[], caseInsensitive: boolean): ValueRule {
  const accepts = (value: string): boolean => allowed.includes(caseInsensitive ? value.toLowerCase() : value);
  const caseNote = caseInsensitive ? ' (case-insensitive)' : '';
  return {
    check: Satisfies(name, (value) =>
      typeof value === 'string' && accepts(value) ? undefined : `${name} must be one of ${allowed.join(', ')}${caseNote}`,
    ),
    schema: { type: 'string', enum: [...allowed] },
    sentence: `One of ${joinWith('or', allowed)}${caseNote}.`,
  };
}

function integerRule(name: string, minimum: number | undefined, maximum: number | undefined): ValueRule {
  if (minimum === undefined || maximum === undefined) {
    throw new Error(`export-attributes.json: the number ${name} needs a minimum and a maximum`);
  }
  return {
    check: Satisfies(name, (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum
        ? undefined
        : `${name} must be an integer from ${minimum} to ${maximum}`,
    ),
    schema: { type: 'integer', minimum, maximum },
    sentence: `An integer from ${minimum} to ${maximum}.`,
  };
}

const DIRECTORY_VALUE_RULE: ValueRule = {
  check: Satisfies('exportDirectory', directoryProblem),
  schema: { type: 'string', maxLength: MAX_DIRECTORY_LENGTH },
  sentence:
    `It must be ${DIRECTORY_RULE}. A leading "./" and duplicate or trailing slashes are accepted; ".", "..", ` +
    'absolute paths, "~", "\\" and "%" are not. It must be at least one level below the job folder (compress ' +
    `writes the zip into its parent) and must not start with "${RESERVED_DIRECTORY_NAME}".`,
};

function valueRuleOf(name: string, attribute: ExportAttribute): ValueRule {
  switch (attribute.type) {
    case 'bool':
      return { check: IsBoolean({ message: BOOLEAN_MESSAGE }), schema: { type: 'boolean' } };
    case 'number':
      return integerRule(name, attribute.minimum, attribute.maximum);
    case 'list(string)':
      return listRule(name, attribute.entries);
    case 'string':
      if (attribute.allowed !== undefined) {
        return allowedValueRule(name, attribute.allowed, attribute.case_insensitive === true);
      }
      if (attribute.rule === 'export-directory') {
        return DIRECTORY_VALUE_RULE;
      }
      throw new Error(`export-attributes.json: the string ${name} has neither allowed values nor a rule`);
  }
}

/** The request fields: every attribute optional, and null (Terraform's unset) as good as omitted. */
export type ExportRequest = { [Name in ExportAttributeName]?: ExportAttributeValues[Name] | null };

// Gives the class the fields' types without declaring them one by one: their decorators come from the table below.
const ExportRequestFields = class {} as new () => ExportRequest;

/**
 * The attributes of the provider's `genesyscloud_tf_export` resource, named and typed as there.
 * Omitted or null attributes take the provider default: they are not written into the Terraform
 * configuration at all, because the provider's ConflictsWith counts any written value.
 */
export class CreateExportDto extends ExportRequestFields {}

/** Applies the decorators a hand-written field would carry, in the order TypeScript applies them (last first). */
function declareAttribute(name: ExportAttributeName, attribute: ExportAttribute): void {
  const target = CreateExportDto.prototype;
  const conflicts = conflictingAttributes(name);
  const rule = valueRuleOf(name, attribute);
  if (conflicts.length > 0) {
    ConflictsWith(conflicts, attribute.conflict_hint)(target, name);
  }
  rule.check(target, name);
  IsOptional()(target, name);
  const conflictSentence =
    conflicts.length === 0
      ? undefined
      : `Conflicts with ${joinWith('and', conflicts)}; only an omitted or null attribute counts as unset.`;
  // No `default`: the server writes nothing for an omitted attribute, so the provider's default applies.
  const providerDefault = `Provider default: ${attribute.default === undefined ? 'unset' : String(attribute.default)}.`;
  ApiPropertyOptional({
    ...rule.schema,
    nullable: true,
    description: [attribute.description, rule.sentence, conflictSentence, providerDefault]
      .filter((sentence) => sentence !== undefined)
      .join(' '),
    example: attribute.example,
    ...(attribute.deprecated !== undefined || attribute.described_as_deprecated ? { deprecated: true } : {}),
  })(target, name);
}

for (const name of EXPORT_ATTRIBUTE_NAMES) {
  declareAttribute(name, EXPORT_ATTRIBUTES[name]);
}

/** The request examples of POST /api/v1/exports; the first is the one Swagger UI fills in. */
export const CREATE_EXPORT_EXAMPLES = {
  'sales-queues-and-flows': {
    summary: 'The Sales queues and every flow, as HCL, one file per resource type',
    value: {
      include_filter_resources: ['genesyscloud_routing_queue::^Sales', 'genesyscloud_flow'],
      export_format: 'hcl',
      split_files_by_resource: true,
    },
  },
  everything: { summary: 'Every exportable type, with the provider defaults', value: {} },
} satisfies ExamplesObject & Record<string, { value: ExportRequest }>;
