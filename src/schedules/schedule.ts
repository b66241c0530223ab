import { ChangeCounts } from '../changes/resource-diff';
import { ExportParameters } from '../export-parameters/export-parameters';
import { JobStatus, OwnerKind } from '../jobs/export-job';
import { SealedWebhook } from '../webhooks/webhook-delivery';

/** A scheduled export as the rest of the code sees it. */
export interface Schedule {
  id: string;
  name: string;
  cron: string;
  timeZone: string;
  parameters: ExportParameters;
  /** Finished runs kept; older ones expire like jobs past JOB_RETENTION. */
  keepRuns: number;
  paused: boolean;
  /** Given to each run's job, to announce its end with the schedule's id and the run's changes. */
  webhook: SealedWebhook | null;
  /** Owned like a job: by its creator's principal, in its organization. */
  owner: string;
  ownerKind: OwnerKind;
  ownerId: string;
  ownerName: string | null;
  organizationId: string | null;
  /** Null while paused, or when the cron fires no more. */
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  /** Runs not started because no server was there in time (downtime); never replayed. */
  missedRuns: number;
  lastMissedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What became of one due run: `starting` while its job is being created, `started` with a job,
 * `skipped` because the previous run's job was still going, `failed` when no job could be created
 * (also when the server starting it stopped before creating the job: see STUCK_START_DETAIL).
 */
export const RUN_OUTCOMES = ['starting', 'started', 'skipped', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Resources added, removed, changed and renamed against the previous completed run, per resource type. */
export type ChangeSummary = Record<string, ChangeCounts>;

/**
 * The Idempotency-Key a run's job is created with: one job per due time, even if the time were
 * claimed twice, and how a run left `starting` finds the job its server created before it stopped.
 */
export function runIdempotencyKey(scheduleId: string, dueAt: Date): string {
  return `schedule:${scheduleId}:${dueAt.toISOString()}`;
}

/** Why a run left `starting` (past JOB_LEASE) without a job is `failed`. */
export const STUCK_START_DETAIL =
  'The server starting this run stopped (or lost the database) before it created the export job; ' +
  'the run is not retried.';

export interface ScheduleRun {
  id: string;
  scheduleId: string;
  dueAt: Date;
  outcome: RunOutcome;
  jobId: string | null;
  /** The job's state now (null without a job). */
  jobStatus: JobStatus | null;
  /** Why the run was skipped or failed. */
  detail: string | null;
  changeSummary: ChangeSummary | null;
  createdAt: Date;
}
