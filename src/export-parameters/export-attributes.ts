import attributeTable from './export-attributes.json';

/*
 * The one table of the genesyscloud_tf_export attributes (provider v1.84.1, reference §1). It is a
 * JSON file because the Terraform stand-ins under test/fixtures run as plain Node and `require` it
 * (as they do exportable-resource-types.json), without a build; this module is its typed view.
 * Request validation, the OpenAPI request schema, ExportParameters, the schema-drift check and both
 * stand-ins' provider schemas are derived from it, so adding an attribute is one entry there.
 */

/** Terraform's type of an attribute, as the provider reference writes it. */
export type TerraformType = 'string' | 'bool' | 'number' | 'list(string)';

/** How the server checks each entry of a list attribute (see create-export.dto.ts). */
export type EntryRule = 'type-or-type-label' | 'type-or-type-regex' | 'type-and-id' | 'attribute-path';

/** What the table says about one attribute. Provider facts first, then the server's own rules. */
export interface ExportAttribute {
  type: TerraformType;
  /** The provider's default when the attribute is unset; absent for the lists (unset). */
  default?: string | boolean | number;
  /** The SDK's Deprecated message: Terraform warns when the attribute is given. */
  deprecated?: string;
  /** The provider's description calls it deprecated, without the SDK flag (so no warning). */
  described_as_deprecated?: boolean;
  /** The SDK's ConflictsWith, exactly as the provider declares it (presence counts, not value). */
  conflicts_with?: string[];
  /** The only values the provider accepts (StringInSlice). */
  allowed?: string[];
  case_insensitive?: boolean;
  /** The provider checks each entry with ValidateSubStringInSlice over the exportable types. */
  provider_validates_entries?: boolean;
  /** The server's rule for each entry of a list. */
  entries?: EntryRule;
  /** The server's rule for a string without allowed values. */
  rule?: 'export-directory';
  /** The server's bounds for a number. */
  minimum?: number;
  maximum?: number;
  /** Appears with `hint` when the server refuses a conflict. */
  conflict_hint?: string;
  /** What the attribute does; the rules, conflicts and provider default are added where it is shown. */
  description: string;
  /** A value that the server accepts when it is the only attribute of a request. */
  example: string | boolean | number | string[];
}

type AttributeTable = typeof attributeTable;

export type ExportAttributeName = keyof AttributeTable;

/**
 * Each attribute's value type. JSON imports give no literal types, but they do type every value,
 * so an attribute's TypeScript type is the type of its example (a unit test checks that each
 * example has the attribute's Terraform type).
 */
export type ExportAttributeValues = { [Name in ExportAttributeName]: AttributeTable[Name]['example'] };

/**
 * The table as ExportAttribute. A cast, since JSON imports type `"bool"` as string:
 * test/unit/export-attributes.spec.ts checks the string unions and the provider facts.
 */
export const EXPORT_ATTRIBUTES = attributeTable as Readonly<
  Record<ExportAttributeName, Readonly<ExportAttribute>>
>;

export const EXPORT_ATTRIBUTE_NAMES = Object.keys(EXPORT_ATTRIBUTES) as ExportAttributeName[];

/**
 * The attributes `name` may not be given with: those it names in ConflictsWith and those that name
 * it. The provider declares some conflicts one way only (export_as_hcl → export_format); the
 * server reports them on both fields, since the request is wrong either way. In table order.
 */
export function conflictingAttributes(name: ExportAttributeName): ExportAttributeName[] {
  const own = EXPORT_ATTRIBUTES[name].conflicts_with ?? [];
  return EXPORT_ATTRIBUTE_NAMES.filter(
    (other) => own.includes(other) || (EXPORT_ATTRIBUTES[other].conflicts_with ?? []).includes(name),
  );
}
