import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import {
  addConfigResources,
  addStateIds,
  ConfigSyntax,
  ExportedResources,
  parseConfigFile,
} from './exported-resources';

/** The exporter's state file name (reference tf_export.md §2). */
export const STATE_FILE = 'terraform.tfstate';

const CONFIG_SUFFIX: Record<ConfigSyntax, string> = { json: '.tf.json', hcl: '.tf' };

/** An export whose files are more than a change report reads. */
export class ExportTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the export's configuration and state files are ${bytes} bytes, more than ${limit}`);
    this.name = 'ExportTooLargeError';
  }
}

/**
 * Reads the resources of the export in `directory`: every configuration file of `syntax` in it
 * (one file or one per type), plus the ids of its state file when there is one. Refuses, before
 * reading anything, an export whose files together exceed `maxBytes`: parsing takes several
 * times their size in memory and holds the event loop.
 */
export async function readExportedResources(
  directory: string,
  syntax: ConfigSyntax,
  maxBytes: number,
): Promise<{ resources: ExportedResources; bytes: number }> {
  const names = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
  const configFiles = names.filter((name) => name.endsWith(CONFIG_SUFFIX[syntax]));
  const files = names.includes(STATE_FILE) ? [...configFiles, STATE_FILE] : configFiles;
  let bytes = 0;
  for (const name of files) bytes += (await stat(path.join(directory, name))).size;
  if (bytes > maxBytes) throw new ExportTooLargeError(bytes, maxBytes);

  const resources: ExportedResources = new Map();
  for (const name of configFiles) {
    const text = await readFile(path.join(directory, name), 'utf8');
    addConfigResources(await parseConfigFile(name, text, syntax), name, resources);
  }
  if (files.includes(STATE_FILE)) {
    const text = await readFile(path.join(directory, STATE_FILE), 'utf8');
    addStateIds(await parseConfigFile(STATE_FILE, text, 'json'), STATE_FILE, resources);
  }
  return { resources, bytes };
}
