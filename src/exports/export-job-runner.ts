import { AsyncResource } from 'node:async_hooks';
import { createWriteStream, WriteStream } from 'node:fs';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { CallerResolver } from '../auth/caller-resolver';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ExporterCredentials } from '../exporter/exporter-credentials';
import { summariseExportErrors } from '../exporter/export-report';
import { ProgressTracker } from '../exporter/progress-tracker';
import { ExporterResult, killLeftoverExporterIn, TerraformExporter } from '../exporter/terraform-exporter';
import { JobFiles } from '../files/job-files';
import { ExportJob } from '../jobs/export-job';
import { JobStore } from '../jobs/job-store';
import { ExportMetrics, ExporterFailureReason } from '../metrics/export-metrics';
import { exportDirectoryOf } from './export-parameters';

/** Progress is written to the database at most this often, not once per log line. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * How often the runner looks at what other servers sharing the database did: cancellations of jobs
 * running here, and pending jobs created there that a free slot here can take.
 */
const SHARED_DATABASE_POLL_MS = 2000;

/** Progress values recorded in the audit trail as they are passed. */
const PROGRESS_MILESTONES = [25, 50, 75];

/** Why a run was stopped before Terraform finished. */
type StopReason = 'cancelled' | 'timeout' | 'shutdown';

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Starts pending jobs as slots free (at most MAX_CONCURRENT_JOBS at once, oldest first), runs each
 * through the exporter with a wall-clock limit, and records how it ended. Credentials of bearer-token
 * jobs live only here, in memory, until their run ends: they are never stored.
 */
@Injectable()
export class ExportJobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExportJobRunner.name);
  private readonly heldCredentials = new Map<string, ExporterCredentials>();
  private readonly active = new Map<string, ActiveRun>();
  /** Serialises slot filling, so two callers never claim past the limit. */
  private filling: Promise<void> = Promise.resolve();
  private accepting = true;
  private sharedDatabasePoll: NodeJS.Timeout | undefined;
  /** Created at start-up, outside any request. */
  private readonly detached = new AsyncResource(ExportJobRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly exporter: TerraformExporter,
    private readonly files: JobFiles,
    private readonly callers: CallerResolver,
    private readonly metrics: ExportMetrics,
    private readonly audit: AuditTrail,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recoverInterruptedJobs();
    this.startPendingJobs();
    this.sharedDatabasePoll = setInterval(() => {
      void this.stopJobsCancelledElsewhere();
      if (this.active.size < this.config.maxConcurrentJobs) this.startPendingJobs();
    }, SHARED_DATABASE_POLL_MS);
  }

  /**
   * Graceful shutdown, while the database is still open: no new job starts, running exports get
   * SHUTDOWN_GRACE to finish, then the rest are stopped and recorded as interrupted.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    clearInterval(this.sharedDatabasePoll);
    await this.filling;
    const allDone = () => Promise.all([...this.active.values()].map((run) => run.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, this.config.shutdownGraceMs)));
    await Promise.race([allDone(), graceOver]);
    clearTimeout(graceTimer);
    for (const run of this.active.values()) run.controller.abort('shutdown' satisfies StopReason);
    await allDone();
  }

  /** False once shutdown began: new jobs are refused rather than left pending. */
  get acceptingJobs(): boolean {
    return this.accepting;
  }

  /** Queues a new job; bearer-token credentials are held in memory for its run. */
  enqueue(job: ExportJob, credentials: ExporterCredentials): void {
    if (job.credentialSource === 'bearer') this.heldCredentials.set(job.id, credentials);
    this.startPendingJobs();
  }

  /** Stops the job's exporter if it runs here. The job's row was already moved to cancelled. */
  cancel(jobId: string): void {
    this.heldCredentials.delete(jobId);
    this.active.get(jobId)?.controller.abort('cancelled' satisfies StopReason);
  }

  /**
   * A DELETE answered by another server sharing the database only changes the row; the exporter
   * runs here, so it is stopped here.
   */
  private async stopJobsCancelledElsewhere(): Promise<void> {
    if (this.active.size === 0) return;
    const cancelled = await this.store
      .cancelledAmong([...this.active.keys()])
      .catch((error: unknown) => {
        this.logger.warn(`Could not check for cancelled jobs: ${String(error)}`);
        return [];
      });
    for (const id of cancelled) this.cancel(id);
  }

  private startPendingJobs(): void {
    // Runs outside the async context of whichever request called it, so a job's log lines are
    // never tagged with another request's id.
    this.detached.runInAsyncScope(() => {
      this.filling = this.filling
        .then(() => this.fillSlots())
        .catch((error: unknown) => this.logger.error(`Could not start pending jobs: ${String(error)}`));
    });
  }

  private async fillSlots(): Promise<void> {
    while (this.accepting && this.active.size < this.config.maxConcurrentJobs) {
      const job = await this.store.claimNextPending(this.config.serverId, [...this.heldCredentials.keys()]);
      if (!job) return;
      await this.audit.record({ action: 'job.started', outcome: 'success', jobId: job.id, principal: job.owner });
      const controller = new AbortController();
      const done = this.execute(job, controller).finally(() => {
        this.active.delete(job.id);
        this.heldCredentials.delete(job.id);
        this.startPendingJobs();
      });
      this.active.set(job.id, { controller, done });
    }
  }

  private async execute(job: ExportJob, controller: AbortController): Promise<void> {
    const timeout = setTimeout(
      () => controller.abort('timeout' satisfies StopReason),
      this.config.jobTimeoutMs,
    );
    let log: WriteStream | undefined;
    const endLog = () =>
      new Promise<void>((resolve) => (log && !log.writableEnded && !log.errored ? log.end(resolve) : resolve()));
    const tracker = new ProgressTracker();
    const progressWriter = this.writeProgressPeriodically(job, tracker);
    try {
      const credentials = this.credentialsFor(job);
      if (!credentials) {
        await this.fail(job, 'not_runnable', 'The server no longer has credentials for this job; submit it again.');
        return;
      }
      await this.files.prepare(job.id);
      log = createWriteStream(this.files.logFile(job.id), { flags: 'a', mode: 0o600 });
      const logStream = log;
      // A full disk must not take the server down: the log stops, the export's own result stands.
      logStream.on('error', (error) => this.logger.warn(`Log of job ${job.id} stopped: ${error.message}`));
      const result = await this.exporter.run({
        parameters: job.parameters,
        credentials,
        exportDirectory: this.files.exportDirectory(job.id, exportDirectoryOf(job.parameters)),
        workspaceDirectory: this.files.workspaceDirectory(job.id),
        signal: controller.signal,
        onLogLine: (line) => {
          if (!logStream.errored) logStream.write(`${line}\n`);
          if (tracker.onLogLine(line)) progressWriter.changed();
        },
      });
      // The whole log is on disk, and the workspace gone, before the job's end is recorded.
      await endLog();
      await this.files.removeWorkspace(job.id);
      if (result.status === 'succeeded') {
        tracker.packaging();
        await progressWriter.flush();
      }
      await this.finish(job, result, controller.signal.reason as StopReason | undefined);
    } catch (error) {
      // e.g. the disk filled up while the zip was written: the job fails naming the cause.
      this.logger.error(`Job ${job.id} failed unexpectedly: ${String(error)}`);
      await this.files.removeJobFiles(job.id).catch(() => undefined);
      await this.fail(job, 'error', `The export failed unexpectedly: ${(error as Error).message}`).catch(() => undefined);
    } finally {
      clearTimeout(timeout);
      progressWriter.stop();
      await endLog();
      await this.files.removeWorkspace(job.id);
    }
  }

  /** Writes the tracker's figures when they changed, at most once per interval. */
  private writeProgressPeriodically(job: ExportJob, tracker: ProgressTracker) {
    const jobId = job.id;
    let dirty = false;
    let milestone = 0;
    const write = async () => {
      if (!dirty) return;
      dirty = false;
      const reached = PROGRESS_MILESTONES.filter((m) => m > milestone && tracker.progress >= m).pop();
      if (reached) {
        milestone = reached;
        await this.audit.record({
          action: 'job.progress',
          outcome: 'success',
          jobId,
          principal: job.owner,
          detail: { progress: tracker.progress, phase: tracker.detail.phase },
        });
      }
      await this.store
        .recordProgress(jobId, tracker.progress, tracker.detail)
        .catch((error: unknown) => this.logger.warn(`Could not record progress of ${jobId}: ${String(error)}`));
    };
    const timer = setInterval(() => void write(), PROGRESS_WRITE_INTERVAL_MS);
    return {
      changed: () => {
        dirty = true;
      },
      flush: () => {
        dirty = true;
        return write();
      },
      stop: () => clearInterval(timer),
    };
  }

  private async finish(job: ExportJob, result: ExporterResult, stopReason?: StopReason): Promise<void> {
    if (result.status === 'succeeded') {
      const directory = exportDirectoryOf(job.parameters);
      const errors = await summariseExportErrors(this.files.exportDirectory(job.id, directory));
      const files = await this.files.list(job.id);
      await this.files.buildZip(job.id, files);
      const completed = await this.store.transition(job.id, ['running'], 'completed', {
        progress: 100,
        outcome: {
          resources_failed: errors.resourcesFailed,
          ...(errors.errorsFile ? { errors_file: `${directory}/${errors.errorsFile}` } : {}),
          warnings: result.warnings,
        },
      });
      if (completed) {
        this.metrics.jobFinished('completed', secondsSinceStart(job));
        await this.audit.record({
          action: 'job.completed',
          outcome: 'success',
          jobId: job.id,
          principal: job.owner,
          detail: { files: files.length, resources_failed: errors.resourcesFailed },
        });
      } else {
        // Cancelled while the zip was being built: the cancellation stands and nothing is offered.
        await this.files.removeJobFiles(job.id);
        this.metrics.jobFinished('cancelled', secondsSinceStart(job));
      }
      return;
    }
    await this.files.removeJobFiles(job.id);
    if (result.status === 'failed') {
      await this.fail(job, result.notRunnable ? 'not_runnable' : 'error', result.error);
    } else if (stopReason === 'timeout') {
      const limit = `${Math.round(this.config.jobTimeoutMs / 1000)} s, JOB_TIMEOUT`;
      await this.fail(job, 'timeout', `The export was stopped because it ran longer than the job timeout (${limit}).`);
    } else if (stopReason === 'shutdown') {
      await this.fail(job, 'interrupted', 'The export was interrupted because the server shut down; submit it again.');
    } else {
      // Cancelled: the row already says so.
      this.metrics.jobFinished('cancelled', secondsSinceStart(job));
    }
  }

  private async fail(job: ExportJob, reason: ExporterFailureReason, error: string): Promise<void> {
    const failed = await this.store.transition(job.id, ['pending', 'running'], 'failed', { error });
    if (!failed) return;
    await this.audit.record({ action: 'job.failed', outcome: 'failure', jobId: job.id, principal: job.owner, detail: { reason } });
    this.metrics.exporterFailed(reason);
    this.metrics.jobFinished('failed', secondsSinceStart(job));
  }

  private credentialsFor(job: ExportJob): ExporterCredentials | null {
    return job.credentialSource === 'bearer'
      ? (this.heldCredentials.get(job.id) ?? null)
      : this.callers.environmentCredentials();
  }

  /**
   * After a crash nothing of this server runs any more: its running jobs failed, and its pending
   * bearer-token jobs can never run because their tokens were only in the dead process's memory.
   * Jobs held by other servers sharing the database are theirs to recover.
   */
  private async recoverInterruptedJobs(): Promise<void> {
    for (const job of await this.store.jobsHeldBy(this.config.serverId, 'running')) {
      await this.fail(job, 'interrupted', 'The export was interrupted by a server restart; submit it again.');
      const killed = killLeftoverExporterIn(this.files.workspaceDirectory(job.id));
      if (killed > 0) this.logger.warn(`Killed ${killed} exporter process(es) left by job ${job.id}`);
      await this.files.removeJobFiles(job.id);
      await this.files.removeWorkspace(job.id);
    }
    for (const job of await this.store.jobsHeldBy(this.config.serverId, 'pending', 'bearer')) {
      await this.fail(
        job,
        'not_runnable',
        'The server restarted before this export could start, and it does not keep access tokens; submit it again.',
      );
    }
  }
}

function secondsSinceStart(job: ExportJob): number {
  return (Date.now() - (job.startedAt ?? job.createdAt).getTime()) / 1000;
}
