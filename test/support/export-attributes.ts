import {
  EXPORT_ATTRIBUTE_NAMES,
  EXPORT_ATTRIBUTES,
  ExportAttributeName,
  TerraformType,
} from '../../src/export-parameters/export-attributes';

function attributesOfType(type: TerraformType): ExportAttributeName[] {
  return EXPORT_ATTRIBUTE_NAMES.filter((name) => EXPORT_ATTRIBUTES[name].type === type);
}

/** The boolean attributes of genesyscloud_tf_export, from the server's attribute table. */
export const BOOLEAN_ATTRIBUTES = attributesOfType('bool');
