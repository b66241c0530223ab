import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createValidationPipe } from '../../src/common/validation/validation-pipe';
import { CreateExportDto } from '../../src/exports/dto/create-export.dto';
import { toExportParameters } from '../../src/exports/request-parameters';
import {
  EXPORT_ATTRIBUTE_NAMES,
  EXPORT_ATTRIBUTES,
  ExportAttribute,
} from '../../src/export-parameters/export-attributes';

/** The provider facts of the reference (../shared/reference next to the clone); tests may read it, src may not. */
const REFERENCE = path.resolve(__dirname, '../../../shared/reference/tf_export_schema.json');

interface ReferenceAttribute {
  type: string;
  default?: unknown;
  deprecated?: string;
  conflicts_with?: string[];
  allowed?: string[];
  case_insensitive?: boolean;
}

const TERRAFORM_VALUE_CHECKS: Record<ExportAttribute['type'], (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  bool: (value) => typeof value === 'boolean',
  number: (value) => typeof value === 'number',
  'list(string)': (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'string'),
};
const ENTRY_RULES = ['type-or-type-label', 'type-or-type-regex', 'type-and-id', 'attribute-path'];

/** The provider facts a table entry states, in the reference's shape. */
function providerFactsOf(attribute: ExportAttribute): ReferenceAttribute {
  const facts: ReferenceAttribute = { type: attribute.type };
  if (attribute.default !== undefined) facts.default = attribute.default;
  if (attribute.deprecated !== undefined) facts.deprecated = attribute.deprecated;
  if (attribute.conflicts_with !== undefined) facts.conflicts_with = attribute.conflicts_with;
  if (attribute.allowed !== undefined) facts.allowed = attribute.allowed;
  if (attribute.case_insensitive !== undefined) facts.case_insensitive = attribute.case_insensitive;
  return facts;
}

describe('the attribute table (src/export-parameters/export-attributes.json)', () => {
  describe('against the provider reference', () => {
    if (!existsSync(REFERENCE)) {
      console.warn(`skipped: the provider reference is not at ${REFERENCE}`);
      it.skip(`skipped: the provider reference is not at ${REFERENCE}`, () => undefined);
      return;
    }
    const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
      attributes: Record<string, ReferenceAttribute & Record<string, unknown>>;
    };

    it('has the attributes of the reference, in its order', () => {
      expect(EXPORT_ATTRIBUTE_NAMES).toEqual(Object.keys(reference.attributes));
    });

    it.each(Object.keys(reference.attributes))(
      '%s: type, default, deprecation, ConflictsWith and allowed values as in the reference',
      (name) => {
        const {
          type,
          default: providerDefault,
          deprecated,
          conflicts_with,
          allowed,
          case_insensitive,
        } = reference.attributes[name];
        const expected = Object.fromEntries(
          Object.entries({
            type,
            default: providerDefault,
            deprecated,
            conflicts_with,
            allowed,
            case_insensitive,
          }).filter(([, value]) => value !== undefined),
        );
        expect(providerFactsOf(EXPORT_ATTRIBUTES[name as keyof typeof EXPORT_ATTRIBUTES])).toEqual(expected);
      },
    );
  });

  describe.each(EXPORT_ATTRIBUTE_NAMES)('%s', (name) => {
    const attribute = EXPORT_ATTRIBUTES[name];

    it('names a known Terraform type, and list entries a known rule', () => {
      expect(Object.keys(TERRAFORM_VALUE_CHECKS)).toContain(attribute.type);
      if (attribute.type === 'list(string)') {
        expect(ENTRY_RULES).toContain(attribute.entries);
      } else {
        expect(attribute.entries).toBeUndefined();
      }
    });

    it('has an example and a default of its Terraform type', () => {
      expect(TERRAFORM_VALUE_CHECKS[attribute.type](attribute.example)).toBe(true);
      if (attribute.default !== undefined) {
        expect(TERRAFORM_VALUE_CHECKS[attribute.type](attribute.default)).toBe(true);
      }
    });

    it('conflicts only with attributes of the table', () => {
      for (const other of attribute.conflicts_with ?? []) {
        expect(EXPORT_ATTRIBUTE_NAMES).toContain(other);
      }
    });

    it('its example alone is accepted by request validation and stored as given', async () => {
      const body = { [name]: attribute.example };
      const dto = (await createValidationPipe().transform(body, {
        type: 'body',
        metatype: CreateExportDto,
        data: undefined,
      })) as CreateExportDto;
      expect(toExportParameters(dto)).toStrictEqual(body);
    });
  });
});
