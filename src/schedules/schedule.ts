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
 * `skipped` because the previous run's job was still going, `failed` when no job could be created.
 */
export const RUN_OUTCOMES = ['starting', 'started', 'skipped', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Resources added, removed, changed and renamed against the previous completed run, per resource type. */
export type ChangeSummary = Record<string, ChangeCounts>;

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
