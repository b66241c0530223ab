import {
  CredentialSource,
  ExportJob,
  ExportOutcome,
  JobStatus,
  OwnerKind,
  ProgressDetail,
} from './export-job';

/** The columns every job query selects, in the shape `toJob` reads. */
export const JOB_COLUMNS = `id, status, progress, progress_detail, parameters, owner, owner_kind, owner_id, owner_name, organization_id,
  credential_source, server_id,
  lease_expires_at, error, outcome, created_at, updated_at, started_at, completed_at, cancelled_at, expired_at`;

/** An export_jobs row as node-postgres returns it (timestamptz as Date, jsonb parsed). */
export interface JobRow {
  id: string;
  status: JobStatus;
  progress: number;
  progress_detail: ProgressDetail | null;
  parameters: ExportJob['parameters'];
  owner: string;
  owner_kind: OwnerKind;
  owner_id: string;
  owner_name: string | null;
  organization_id: string | null;
  credential_source: CredentialSource;
  server_id: string | null;
  lease_expires_at: Date | null;
  error: string | null;
  outcome: ExportOutcome | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
}

export function toJob(row: JobRow): ExportJob {
  return {
    id: row.id,
    status: row.status,
    progress: row.progress,
    progressDetail: row.progress_detail,
    parameters: row.parameters,
    owner: row.owner,
    ownerKind: row.owner_kind,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    organizationId: row.organization_id,
    credentialSource: row.credential_source,
    serverId: row.server_id,
    leaseExpiresAt: row.lease_expires_at,
    error: row.error,
    outcome: row.outcome,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    cancelledAt: row.cancelled_at,
    expiredAt: row.expired_at,
  };
}

/** Which timestamp column records entering each state. */
export const ENTERED_AT: Partial<Record<JobStatus, string>> = {
  running: 'started_at',
  completed: 'completed_at',
  failed: 'completed_at',
  cancelled: 'cancelled_at',
  expired: 'expired_at',
};

/**
 * TypeORM's `query` answers an UPDATE/DELETE with `[rows, affected]` and a SELECT with the rows;
 * this reads the rows of either.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
