const REDACTED = '[REDACTED]';

/** Header-style credentials, whatever secret they carry: `Authorization: Bearer abc`, `authorization=...`. */
const AUTHORIZATION = /(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',;]+/gi;

/**
 * Removes a job's secrets from a line of text before it is written anywhere or served. Known secret
 * values are replaced wherever they appear; Authorization values are replaced even when unknown.
 */
export function createScrubber(secrets: string[]): (line: string) => string {
  // Longest first, so a secret that contains another is removed whole.
  const known = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  return (line) => {
    let scrubbed = line;
    for (const secret of known) scrubbed = scrubbed.split(secret).join(REDACTED);
    return scrubbed.replace(AUTHORIZATION, `$1${REDACTED}`);
  };
}
