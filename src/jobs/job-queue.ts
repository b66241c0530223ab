import { ExportJob, ExportOutcome, ProgressDetail } from './export-job';

/** How a run ended, as its runner records it. */
export type RunEnd = { status: 'completed'; outcome: ExportOutcome } | { status: 'failed'; error: string };

/** Why the sweep failed a job another server held. */
export type SweepReason = 'interrupted' | 'timeout' | 'abandoned';

/** What a swept job's error says, by reason. */
export const SWEEP_ERRORS: Record<SweepReason, string> = {
  interrupted: 'The export was interrupted: the server running it stopped. Submit it again.',
  timeout: 'The export was stopped because it ran longer than the job timeout (JOB_TIMEOUT).',
  abandoned:
    'The server that accepted this export stopped before it could start, and access tokens are never ' +
    'stored; submit it again.',
};

export interface SweptJob {
  job: ExportJob;
  reason: SweepReason;
}

export interface LeaseTerms {
  leaseMs: number;
  jobTimeoutMs: number;
}

/**
 * The queue of export jobs, shared by every server on the database: claiming pending jobs, holding
 * them under a lease while they run, recording how runs end, and sweeping jobs whose holder is
 * gone. Everything is decided by the database, so servers never need to talk to each other.
 */
export abstract class JobQueue {
  /**
   * Moves the oldest eligible pending job to running on `serverId`, under a lease, and returns it.
   * Eligible: its credentials come from the environment and no creator holds it for a slot of its
   * own, or its id is in `heldBearerJobIds`.
   */
  abstract claimNext(
    serverId: string,
    leaseMs: number,
    heldBearerJobIds: string[],
  ): Promise<ExportJob | null>;

  /**
   * Moves a pending job reserved for `serverId` at its creation (NewJob `reserve`) to
   * running, under a lease; null when it is no longer pending there (cancelled meanwhile).
   */
  abstract startReserved(jobId: string, serverId: string, leaseMs: number): Promise<ExportJob | null>;

  /**
   * Extends the lease of the jobs `serverId` holds among `ids` (running, or pending with a token it
   * keeps). Returns the ids it still holds; the others were cancelled, swept or finished meanwhile.
   * Rejects when the database cannot be reached, even for no ids (it doubles as the heartbeat).
   */
  abstract renewLeases(serverId: string, ids: string[], leaseMs: number): Promise<string[]>;

  /** Records the progress of a job running on `serverId`; progress never goes backwards. */
  abstract recordProgress(
    jobId: string,
    serverId: string,
    progress: number,
    detail: ProgressDetail,
  ): Promise<void>;

  /**
   * Records the end of a run. Applies only while the job is still running on `serverId`: null when
   * it was cancelled or swept meanwhile, and then that state stands.
   */
  abstract finishRun(jobId: string, serverId: string, end: RunEnd): Promise<ExportJob | null>;

  /** Fails a pending job (e.g. its token is gone); null when it was no longer pending. */
  abstract failPending(jobId: string, error: string): Promise<ExportJob | null>;

  /**
   * Fails the jobs of other servers whose lease ran out (their server stopped), running jobs past
   * JOB_TIMEOUT plus one lease, and pending bearer-token jobs whose creator is gone.
   */
  abstract sweep(serverId: string, terms: LeaseTerms): Promise<SweptJob[]>;

  /** Of `ids`, those that are cancelled (possibly by another server). */
  abstract cancelledAmong(ids: string[]): Promise<string[]>;

  /** Of `ids`, those whose job has ended (any finished state, or no longer exists). */
  abstract endedAmong(ids: string[]): Promise<string[]>;
}
