import { ExportParameters } from '../exports/export-parameters';
import {
  CredentialSource,
  ExportJob,
  ExportOutcome,
  JobStatus,
  OwnerKind,
  ProgressDetail,
} from './export-job';

export interface NewJob {
  parameters: ExportParameters;
  owner: string;
  ownerKind: OwnerKind;
  ownerId: string;
  ownerName: string | null;
  organizationId: string | null;
  credentialSource: CredentialSource;
  /** The creating server, which alone holds a bearer token until the job runs. */
  serverId: string;
}

/** Idempotency-Key of a create request, scoped to the job's owner, with a fingerprint of its body. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 3_600_000;

export type CreateOutcome =
  | { kind: 'created'; job: ExportJob }
  /** The same key and body were seen before: the job that request created. */
  | { kind: 'replayed'; job: ExportJob }
  /** The same key came with another body. */
  | { kind: 'key-reused' }
  /** The owner already has an unfinished job with identical parameters. */
  | { kind: 'conflict'; job: ExportJob };

/**
 * Where a page of a job list ended: the last job's creation time as PostgreSQL prints it (all six
 * fractional digits, which a Date would lose) and its id, which breaks ties.
 */
export interface JobListPosition {
  createdAt: string;
  id: string;
}

/** Whose jobs a caller may see, read, cancel and download. */
export interface JobAccess {
  /** The caller's principal key; its jobs must also carry `organizationId`. */
  owner: string;
  /** The caller's Genesys Cloud organization (null: an unverified token or the service). */
  organizationId: string | null;
  /** A verified token's keyed hash: jobs that token created before tokens were verified are its too. */
  tokenHash?: string;
  /** Every job of `organizationId` is visible (JOB_VISIBILITY=organization). */
  wholeOrganization: boolean;
}

/** The one rule of job visibility; the store's list query applies the same rule in SQL. */
export function canAccess(job: Pick<ExportJob, 'owner' | 'organizationId'>, access: JobAccess): boolean {
  if (job.owner === access.owner && job.organizationId === access.organizationId) return true;
  if (access.tokenHash !== undefined && job.owner === access.tokenHash && job.organizationId === null)
    return true;
  return (
    access.wholeOrganization && access.organizationId !== null && job.organizationId === access.organizationId
  );
}

export interface JobListQuery {
  access: JobAccess;
  status?: JobStatus;
  limit: number;
  /** Continue after this job (keyset pagination); absent for the first page. */
  after?: JobListPosition;
}

export interface JobListPage {
  jobs: ExportJob[];
  /** Where the next page starts; null on the last page. */
  next: JobListPosition | null;
}

/** Fields a state change may set besides the status and its timestamp. */
export interface TransitionChanges {
  progress?: number;
  error?: string | null;
  outcome?: ExportOutcome;
}

/**
 * The only way the rest of the code reads or changes jobs. Every state change names the states it
 * expects to leave, so a change that lost a race (a late "completed" after "cancelled") is refused
 * (returns null) instead of applied.
 */
export abstract class JobStore {
  /**
   * Creates a pending job unless the owner already has an unfinished one with identical parameters,
   * or the Idempotency-Key was used before. Decided atomically per owner.
   */
  abstract create(job: NewJob, idempotencyKey?: IdempotencyKey): Promise<CreateOutcome>;

  abstract get(id: string): Promise<ExportJob | null>;

  /** A page of the jobs `access` may see, newest first (ties by id), found through the list indexes whatever its depth. */
  abstract list(query: JobListQuery): Promise<JobListPage>;

  /**
   * Atomically moves the oldest eligible pending job to running on `serverId` and returns it.
   * Eligible: its credentials come from the environment, or its id is in `heldCredentialJobIds`.
   */
  abstract claimNextPending(serverId: string, heldCredentialJobIds: string[]): Promise<ExportJob | null>;

  /** Moves a job from one of `from` to `to`; null when the job was not in one of `from`. */
  abstract transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    changes?: TransitionChanges,
  ): Promise<ExportJob | null>;

  /** Records progress of a running job; progress never goes backwards. */
  abstract recordProgress(id: string, progress: number, detail: ProgressDetail): Promise<void>;

  /** The jobs `serverId` holds in `status`, optionally only those whose credentials come from `source`. */
  abstract jobsHeldBy(serverId: string, status: JobStatus, source?: CredentialSource): Promise<ExportJob[]>;

  /** How many jobs are in each state, every state included (0 when none); kept as counters, not counted. */
  abstract countByStatus(): Promise<Record<JobStatus, number>>;

  /** Of `ids`, those that are cancelled (possibly by another server sharing the database). */
  abstract cancelledAmong(ids: string[]): Promise<string[]>;

  /** Ids of jobs that finished (completed, failed, cancelled) before `cutoff`. */
  abstract finishedBefore(cutoff: Date): Promise<string[]>;

  /** Of `ids`, those with no job or an expired one: their folders belong to nobody. */
  abstract withoutLiveJob(ids: string[]): Promise<string[]>;

  /** Forgets Idempotency-Keys older than their lifetime. */
  abstract forgetOldIdempotencyKeys(): Promise<number>;

  /**
   * Runs `work` only if no other server sharing the database is running work under the same
   * name (a PostgreSQL advisory lock). Returns false when it was skipped.
   */
  abstract runExclusively(name: string, work: () => Promise<void>): Promise<boolean>;
}
