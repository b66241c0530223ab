import { EXPORT_ATTRIBUTE_NAMES } from '../export-parameters/export-attributes';
import { ExportParameters, normaliseExportDirectory } from '../export-parameters/export-parameters';
import type { CreateExportDto } from './dto/create-export.dto';

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
