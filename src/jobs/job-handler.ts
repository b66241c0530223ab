import { ExporterCredentials } from '../credentials/exporter-credentials';
import { ExportJob, ExportOutcome, ProgressDetail } from './export-job';

/** What a handler gets for one run. */
export interface JobRunContext {
  credentials: ExporterCredentials;
  /** Aborted when the run must stop: cancelled, timed out, lease lost or server shutting down. */
  signal: AbortSignal;
  /** Reports progress as it changes; the worker writes it to the database at a bounded rate. */
  reportProgress(progress: number, detail: ProgressDetail): void;
  /** Writes the last reported progress now (e.g. before a long packaging step). */
  flushProgress(): Promise<void>;
}

export type JobRunResult =
  /** `fileCount` is for the audit trail. */
  | { kind: 'succeeded'; outcome: ExportOutcome; fileCount: number }
  /** `reason`: `not_runnable` when the exporter could not be started at all. */
  | { kind: 'failed'; reason: 'error' | 'not_runnable'; error: string }
  /** The run stopped because its signal was aborted. */
  | { kind: 'stopped' };

/**
 * The work behind a job, run by the JobWorker. It never records job states itself: it reports how
 * the run went, and the worker decides, against the database, what the job's end is.
 */
export abstract class JobHandler {
  /**
   * Makes ready on disk what a run of a job about to be created needs, while its row is being
   * written, so that `run` starts the exporter at once. A failure here is the run's to report.
   */
  abstract prepare(job: Pick<ExportJob, 'id' | 'parameters'>): Promise<void>;

  /** Removes all that `prepare` made for a job that was then not created. */
  abstract unprepare(jobId: string): Promise<void>;

  /** Runs the job, with what `prepare` made if it was called for it (otherwise prepared first). */
  abstract run(job: ExportJob, context: JobRunContext): Promise<JobRunResult>;

  /**
   * Removes everything a run of `jobId` left on disk, and kills any of its processes left on this
   * host. Called only once the job's end (other than completed) is recorded.
   */
  abstract discard(jobId: string): Promise<void>;

  /**
   * At start: finds runs whose server process died on this host, kills their leftover processes
   * and returns them, so their jobs are failed at once instead of after their lease.
   */
  abstract findDeadRuns(): Promise<{ jobId: string; serverId: string }[]>;
}

/** How a job ended, for the audit trail and metrics. */
export type JobEnd =
  | { status: 'completed'; fileCount: number; resourcesFailed: number }
  | { status: 'failed'; reason: 'error' | 'not_runnable' | 'timeout' | 'interrupted' }
  | { status: 'cancelled' };

/** Told about each job's lifecycle (audit trail, metrics); its failures never affect the job. */
export abstract class JobLifecycleObserver {
  abstract started(job: ExportJob): Promise<void>;
  abstract progressed(job: ExportJob, progress: number, phase: string): Promise<void>;
  abstract ended(job: ExportJob, end: JobEnd): Promise<void>;
}
