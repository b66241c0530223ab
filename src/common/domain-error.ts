/**
 * Errors the domain raises; one place (the problem-details filter) turns each code into an HTTP
 * status, so services never deal in HTTP.
 */
export type DomainErrorCode =
  | 'unauthenticated'
  | 'identity-provider-unavailable'
  | 'rate-limited'
  | 'job-not-found'
  | 'job-conflict'
  | 'idempotency-key-reused'
  | 'invalid-idempotency-key'
  | 'shutting-down'
  | 'exporter-unavailable'
  | 'job-expired'
  | 'job-has-no-results'
  | 'download-not-available'
  | 'invalid-cursor'
  | 'job-files-unavailable'
  | 'too-many-follow-streams'
  | 'export-not-completed'
  | 'exports-incomparable'
  | 'export-too-large'
  | 'export-unreadable'
  | 'schedule-not-found'
  | 'schedules-need-server-credentials'
  | 'too-many-schedules'
  | 'webhooks-disabled'
  | 'webhook-host-not-allowed';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra members of the problem document, e.g. the job's id and status. */
    readonly extensions: Record<string, unknown> = {},
    /** Sent as `Retry-After` (seconds): when the same request may succeed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
