/**
 * The resources of one export, read from the exporter's files (reference tf_export.md §2): the
 * `resource` and `data` sections of its Terraform configuration, in JSON (`*.tf.json`) or HCL
 * (`*.tf`), one file or split per type alike, and the resource ids of its state file when present.
 */

export type ResourceMode = 'managed' | 'data';

export interface ExportedResource {
  /** The Terraform address: `genesyscloud_routing_queue.support`, `data.genesyscloud_user.jane`. */
  address: string;
  type: string;
  mode: ResourceMode;
  /** The block's body as the exporter wrote it (nested blocks as lists of objects). */
  attributes: Record<string, unknown>;
  /** The Genesys Cloud id, known only from a state file (the configuration has none). */
  id?: string;
}

/** The export's resources by address. */
export type ExportedResources = Map<string, ExportedResource>;

/** The syntax a configuration file is written in. */
export type ConfigSyntax = 'json' | 'hcl';

/** Something in an export's files that is not what the exporter writes. */
export class UnreadableExportError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableExportError';
  }
}

const SECTIONS: [string, ResourceMode][] = [
  ['resource', 'managed'],
  ['data', 'data'],
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function addressOf(mode: ResourceMode, type: string, label: string): string {
  return mode === 'data' ? `data.${type}.${label}` : `${type}.${label}`;
}

/**
 * HCL writes `depends_on` as bare references, which hcl2json renders as `${genesyscloud_x.y}`;
 * JSON writes the address alone. The bare address is what both mean.
 */
function normaliseBody(body: Record<string, unknown>): Record<string, unknown> {
  const dependsOn = body.depends_on;
  if (!Array.isArray(dependsOn)) return body;
  return {
    ...body,
    depends_on: (dependsOn as unknown[]).map((entry) =>
      typeof entry === 'string' ? entry.replace(/^\$\{([^}]*)\}$/, '$1') : entry,
    ),
  };
}

/**
 * Adds the resource and data blocks of one parsed configuration document to `into`. In Terraform's
 * JSON syntax a block body is an object (or a list of them); hcl2json always gives a list of one.
 */
export function addConfigResources(document: unknown, file: string, into: ExportedResources): void {
  if (!isObject(document)) throw new UnreadableExportError(file, 'not a Terraform configuration object');
  for (const [section, mode] of SECTIONS) {
    const byType = document[section];
    if (byType === undefined) continue;
    if (!isObject(byType)) throw new UnreadableExportError(file, `"${section}" is not an object`);
    for (const [type, byLabel] of Object.entries(byType)) {
      if (!isObject(byLabel)) throw new UnreadableExportError(file, `"${section}.${type}" is not an object`);
      for (const [label, value] of Object.entries(byLabel)) {
        const body = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
        if (!isObject(body)) {
          throw new UnreadableExportError(file, `${addressOf(mode, type, label)} is not one block body`);
        }
        const address = addressOf(mode, type, label);
        if (into.has(address)) throw new UnreadableExportError(file, `${address} is declared twice`);
        into.set(address, { address, type, mode, attributes: normaliseBody(body) });
      }
    }
  }
}

/** Parses one configuration file's text; HCL through hcl2json (HashiCorp's HCL parser in WebAssembly). */
export async function parseConfigFile(file: string, text: string, syntax: ConfigSyntax): Promise<unknown> {
  try {
    if (syntax === 'json') return JSON.parse(text) as unknown;
    // Loaded on first use: its Go runtime adds some 60 MB to a server's memory, and so to every fork.
    const { parse: parseHcl } = await import('@cdktf/hcl2json');
    return await parseHcl(file, text);
  } catch (error) {
    throw new UnreadableExportError(file, (error as Error).message);
  }
}

/**
 * Sets the ids a state file gives to the resources of `into`. Reads the v3 state the exporter
 * writes and the v4 one `terraform state replace-provider` turns it into.
 */
export function addStateIds(document: unknown, file: string, into: ExportedResources): void {
  if (!isObject(document)) throw new UnreadableExportError(file, 'not a Terraform state');
  const setId = (address: string, id: unknown) => {
    const resource = into.get(address);
    if (resource && typeof id === 'string' && id !== '') resource.id = id;
  };
  if (document.version === 3) {
    for (const module of Array.isArray(document.modules) ? document.modules : []) {
      const resources = isObject(module) && isObject(module.resources) ? module.resources : {};
      for (const [key, entry] of Object.entries(resources)) {
        setId(key, isObject(entry) && isObject(entry.primary) ? entry.primary.id : undefined);
      }
    }
    return;
  }
  if (document.version !== 4)
    throw new UnreadableExportError(file, `state version ${String(document.version)} is not 3 or 4`);
  for (const entry of Array.isArray(document.resources) ? document.resources : []) {
    if (!isObject(entry) || typeof entry.type !== 'string' || typeof entry.name !== 'string') continue;
    const mode: ResourceMode = entry.mode === 'data' ? 'data' : 'managed';
    const [instance] = Array.isArray(entry.instances) ? (entry.instances as unknown[]) : [];
    if (!isObject(instance)) continue;
    const attributes = isObject(instance.attributes)
      ? instance.attributes
      : isObject(instance.attributes_flat)
        ? instance.attributes_flat
        : {};
    setId(addressOf(mode, entry.type, entry.name), attributes.id);
  }
}
