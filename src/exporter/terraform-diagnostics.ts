/** One diagnostic from `terraform apply -json` (type "diagnostic"). */
export interface TerraformDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
}

/** Reads a line of Terraform's machine-readable output; anything that is not a diagnostic is null. */
export function parseDiagnosticLine(line: string): TerraformDiagnostic | null {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const { type, diagnostic } = message as { type?: unknown; diagnostic?: Record<string, unknown> };
  if (type !== 'diagnostic' || typeof diagnostic !== 'object' || diagnostic === null) return null;
  const severity = diagnostic.severity === 'error' ? 'error' : 'warning';
  return {
    severity,
    summary: typeof diagnostic.summary === 'string' ? diagnostic.summary : '',
    detail: typeof diagnostic.detail === 'string' ? diagnostic.detail : '',
  };
}

/** "summary: detail", as a person would read it in a job's error. */
export function describeDiagnostic(diagnostic: TerraformDiagnostic): string {
  return diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary;
}

/**
 * The first error diagnostic of Terraform's human-readable output (`init` has no -json on every
 * supported version), as "summary: detail" with the detail's first paragraph on one line. Box
 * drawing (`│ `) that some versions put around diagnostics is removed.
 */
export function summariseTerraformError(output: string): string | undefined {
  const lines = output.split('\n').map((line) => line.replace(/^[\s│╷╵]*/, '').trimEnd());
  const start = lines.findIndex((line) => line.startsWith('Error: '));
  if (start < 0) return undefined;
  const summary = lines[start].slice('Error: '.length).trim();
  const rest = lines.slice(start + 1);
  const first = rest.findIndex((line) => line !== '');
  const paragraph: string[] = [];
  for (const line of first < 0 ? [] : rest.slice(first)) {
    if (line === '') break;
    paragraph.push(line.trim());
  }
  return describeDiagnostic({ severity: 'error', summary, detail: paragraph.join(' ') });
}
