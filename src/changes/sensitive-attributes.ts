/**
 * Which attributes of an export may hold secrets, so that a change report says only that they
 * changed. Decided by name, since the exporter does not mark sensitive values in its config files.
 * README.md ("Change reports") lists the same rules for users.
 */

/** An attribute path segment containing one of these (any case) is sensitive: `password`, `clientSecret`. */
export const SENSITIVE_NAME_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'apikey',
  'privatekey',
] as const;

/** A segment with one of these as a whole word (snake_case or camelCase) is sensitive: `api_key`, `pin`. */
export const SENSITIVE_NAME_WORDS = ['key', 'pin'] as const;

/**
 * Attributes that hold secrets under names of their own choosing, as `<resource type>.<attribute>`:
 * an integration credential's `fields` map carries whatever the integration needs (client ids and
 * secrets, passwords).
 */
export const SENSITIVE_ATTRIBUTES = ['genesyscloud_integration_credential.fields'] as const;

function wordsOf(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function isSensitiveName(segment: string): boolean {
  const lower = segment.toLowerCase();
  if (SENSITIVE_NAME_PARTS.some((part) => lower.includes(part))) return true;
  const words = wordsOf(segment);
  return SENSITIVE_NAME_WORDS.some((word) => words.includes(word));
}

/**
 * Whether the attribute at `segments` (keys from the resource body down, list indexes left out) of
 * a resource of `type` may hold a secret: its own name or any enclosing one is sensitive.
 */
export function isSensitiveAttribute(type: string, segments: readonly string[]): boolean {
  if (segments.length > 0 && SENSITIVE_ATTRIBUTES.some((entry) => entry === `${type}.${segments[0]}`))
    return true;
  return segments.some(isSensitiveName);
}
