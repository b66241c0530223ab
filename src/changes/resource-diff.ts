import { isDeepStrictEqual } from 'node:util';
import { ExportedResource, ExportedResources } from './exported-resources';
import { isSensitiveAttribute } from './sensitive-attributes';

export type ChangeKind = 'added' | 'removed' | 'changed' | 'renamed';
export const CHANGE_KINDS: readonly ChangeKind[] = ['added', 'removed', 'changed', 'renamed'];

/**
 * One attribute that differs. `old` is absent when the attribute was not set before, `new` when it
 * is no longer set; both are absent for sensitive attributes, of which only the change is told.
 */
export interface AttributeChange {
  attribute: string;
  old?: unknown;
  new?: unknown;
  sensitive?: true;
}

export interface ResourceChange {
  /** The resource's address in the newer export (the older one's for removed resources). */
  address: string;
  type: string;
  change: ChangeKind;
  /** The Genesys Cloud id, when a state file gives it. */
  id?: string;
  /** Renamed resources only: the address in the older export. */
  previous_address?: string;
  /** Changed and renamed resources: what differs, by attribute path. */
  attributes?: AttributeChange[];
}

export type ChangeCounts = Record<ChangeKind, number>;

export interface ResourceDiff {
  /** Sorted by address. */
  changes: ResourceChange[];
  totals: ChangeCounts;
  totalsByType: Record<string, ChangeCounts>;
}

interface Leaf {
  segments: string[];
  value: unknown;
}

/**
 * The values a block body is compared by, keyed by path: `name`, `members[0].user_id`. Objects and
 * lists of blocks are walked into; a list of plain values (ids, strings) is one value, since the
 * exporter writes such lists as sets in the API's order.
 */
function leavesOf(
  value: unknown,
  path: string,
  segments: string[],
  into: Map<string, Leaf>,
): Map<string, Leaf> {
  const isBlockList =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (isBlockList) {
    value.forEach((element, index) => leavesOf(element, `${path}[${index}]`, segments, into));
  } else if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0
  ) {
    for (const [key, inner] of Object.entries(value)) {
      leavesOf(inner, path === '' ? key : `${path}.${key}`, [...segments, key], into);
    }
  } else {
    into.set(path, { segments, value });
  }
  return into;
}

/** What differs between two bodies of one resource, sorted by path; sensitive values masked. */
export function attributeChanges(before: ExportedResource, after: ExportedResource): AttributeChange[] {
  const old = leavesOf(before.attributes, '', [], new Map());
  const now = leavesOf(after.attributes, '', [], new Map());
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  const changes: AttributeChange[] = [];
  for (const path of paths) {
    const was = old.get(path);
    const is = now.get(path);
    if (was && is && isDeepStrictEqual(was.value, is.value)) continue;
    const segments = (is ?? was)!.segments;
    if (isSensitiveAttribute(after.type, segments)) {
      changes.push({ attribute: path, sensitive: true });
      continue;
    }
    changes.push({ attribute: path, ...(was ? { old: was.value } : {}), ...(is ? { new: is.value } : {}) });
  }
  return changes;
}

const zeroCounts = (): ChangeCounts => ({ added: 0, removed: 0, changed: 0, renamed: 0 });

/**
 * The differences from export `before` to export `after`, by Terraform address. A resource that is
 * gone under one address and new under another with the same id (both state files give it) was
 * renamed: one `renamed` entry instead of a removal and an addition.
 */
export function diffResources(before: ExportedResources, after: ExportedResources): ResourceDiff {
  const changes: ResourceChange[] = [];
  const removed = [...before.values()].filter((resource) => !after.has(resource.address));
  const added = [...after.values()].filter((resource) => !before.has(resource.address));
  const removedById = new Map(
    removed
      .filter((resource) => resource.id !== undefined)
      .map((resource) => [`${resource.mode}:${resource.type}:${resource.id}`, resource]),
  );
  const renamedFrom = new Set<string>();

  for (const resource of added) {
    const previous =
      resource.id === undefined
        ? undefined
        : removedById.get(`${resource.mode}:${resource.type}:${resource.id}`);
    if (previous) {
      renamedFrom.add(previous.address);
      changes.push({
        address: resource.address,
        type: resource.type,
        change: 'renamed',
        id: resource.id,
        previous_address: previous.address,
        attributes: attributeChanges(previous, resource),
      });
    } else {
      changes.push({ address: resource.address, type: resource.type, change: 'added', ...idOf(resource) });
    }
  }
  for (const resource of removed) {
    if (renamedFrom.has(resource.address)) continue;
    changes.push({ address: resource.address, type: resource.type, change: 'removed', ...idOf(resource) });
  }
  for (const resource of after.values()) {
    const previous = before.get(resource.address);
    if (!previous) continue;
    const attributes = attributeChanges(previous, resource);
    if (attributes.length === 0) continue;
    changes.push({
      address: resource.address,
      type: resource.type,
      change: 'changed',
      ...idOf(resource),
      attributes,
    });
  }

  changes.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const totals = zeroCounts();
  const totalsByType: Record<string, ChangeCounts> = {};
  for (const change of changes) {
    totals[change.change] += 1;
    (totalsByType[change.type] ??= zeroCounts())[change.change] += 1;
  }
  return { changes, totals, totalsByType };
}

function idOf(resource: ExportedResource): { id?: string } {
  return resource.id === undefined ? {} : { id: resource.id };
}
