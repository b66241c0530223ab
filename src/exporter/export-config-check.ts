import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ExportParameters } from '../export-parameters/export-parameters';

/** The provider's file names (reference §2). */
const SINGLE_FILE = { json: 'genesyscloud.tf.json', hcl: 'genesyscloud.tf' };
const PROVIDER_FILE = { json: 'provider.tf.json', hcl: 'provider.tf' };
/** Split HCL always writes it, empty when there are no variables. */
const MAY_BE_EMPTY = new Set(['variables.tf']);

/**
 * Checks the configuration files of a finished export: the provider ignores write errors of the
 * single-file JSON config, so `apply` can succeed with that file missing or cut short. Each format
 * the parameters ask for must have its main file; every `.tf.json` must parse and every `.tf` (but
 * an empty variables file) must have content. Returns what is wrong, naming the file relative to
 * `displayRoot`, or null.
 */
export async function findExportConfigProblem(
  exportDirectory: string,
  parameters: ExportParameters,
  displayRoot: string,
): Promise<string | null> {
  const shown = (file: string) => path.posix.join(displayRoot, file);
  let names: string[];
  try {
    names = await readdir(exportDirectory);
  } catch {
    return `The export wrote no files: its directory ${displayRoot} is missing.`;
  }
  const present = new Set(names);
  const wanted = parameters.split_files_by_resource ? PROVIDER_FILE : SINGLE_FILE;
  for (const kind of formatsOf(parameters)) {
    if (!present.has(wanted[kind]))
      return `The export's configuration file ${shown(wanted[kind])} is missing.`;
  }
  for (const name of [...present].sort()) {
    const isJson = name.endsWith('.tf.json');
    if (!isJson && !name.endsWith('.tf')) continue;
    const text = await readFile(path.join(exportDirectory, name), 'utf8');
    if (isJson) {
      try {
        JSON.parse(text);
      } catch {
        return `The export's configuration file ${shown(name)} is not valid JSON (it was not written completely).`;
      }
    } else if (text.trim() === '' && !MAY_BE_EMPTY.has(name)) {
      return `The export's configuration file ${shown(name)} is empty.`;
    }
  }
  return null;
}

/** Which configuration syntaxes an export writes: export_as_hcl wins, hcl_json means both. */
function formatsOf(parameters: ExportParameters): ('json' | 'hcl')[] {
  const format = parameters.export_as_hcl ? 'hcl' : (parameters.export_format ?? 'json');
  if (format === 'json_hcl' || format === 'hcl_json') return ['hcl', 'json'];
  return format === 'hcl' ? ['hcl'] : ['json'];
}
