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
