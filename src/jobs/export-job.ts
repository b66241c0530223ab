import { ExportParameters } from '../export-parameters/export-parameters';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States an export ends in; their files are kept until JOB_RETENTION passes. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** A finished job whose files the retention clean-up removed; its row stays for the record. */
export const EXPIRED: JobStatus = 'expired';

export function isFinished(status: JobStatus): boolean {
  return status === EXPIRED || FINISHED_STATUSES.includes(status);
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job id (a UUID) in its canonical lower-case form, or null when `value` cannot be one. */
export function toJobId(value: unknown): string | null {
  return typeof value === 'string' && JOB_ID.test(value) ? value.toLowerCase() : null;
}

/** Where the exporter's credentials come from: the caller's bearer token, or the server's environment. */
export type CredentialSource = 'bearer' | 'environment';

/**
 * What kind of principal owns a job: a verified Genesys Cloud `user` or OAuth `client`, an
 * unverified bearer `token` (known by its keyed hash), or the server's own credentials (`service`).
 */
export type OwnerKind = 'user' | 'client' | 'token' | 'service';

/** Phase and counters read from the provider's log (see the exporter's progress tracker). */
export interface ProgressDetail {
  phase: string;
  types_total?: number;
  types_listed?: number;
  types_done?: number;
  resources_found?: number;
  resources_done?: number;
}

/** What a finished export produced, kept so results need not re-read the provider's report. */
export interface ExportOutcome {
  /** Resources the provider reported as not exported (export_errors.json), 0 when none. */
  resources_failed: number;
  /** Path of export_errors.json relative to the job folder, when the provider wrote one. */
  errors_file?: string;
  warnings: string[];
}

/** A job as the rest of the code sees it; the persistence entity stays inside the jobs module. */
export interface ExportJob {
  id: string;
  status: JobStatus;
  progress: number;
  progressDetail: ProgressDetail | null;
  parameters: ExportParameters;
  /** The owning principal's key: `user:<id>`, `client:<id>`, a token hash or `service`. */
  owner: string;
  ownerKind: OwnerKind;
  /** The Genesys Cloud user or client id (the token hash or `service` for the other kinds). */
  ownerId: string;
  ownerName: string | null;
  /** The owner's Genesys Cloud organization; null for unverified tokens and the service. */
  organizationId: string | null;
  credentialSource: CredentialSource;
  /** The server process holding the job: its creator while pending, its runner once claimed. */
  serverId: string | null;
  /**
   * Until when the holding server vouches for the job: set for running jobs and for pending ones
   * whose bearer token lives only in their creator's memory; null otherwise.
   */
  leaseExpiresAt: Date | null;
  error: string | null;
  outcome: ExportOutcome | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  expiredAt: Date | null;
}
