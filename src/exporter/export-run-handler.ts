import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { exportDirectoryOf } from '../export-parameters/export-parameters';
import { JobFiles } from '../files/job-files';
import { ExportJob } from '../jobs/export-job';
import { JobHandler, JobRunContext, JobRunResult } from '../jobs/job-handler';
import { summariseExportErrors } from './export-report';
import { killLeftoverExporter } from './leftover-processes';
import { ProgressTracker } from './progress-tracker';
import { RunLog } from './run-log';
import { isDeadServerOnThisHost, readRunRecord } from './run-record';
import { killLeftoverExporterIn, TerraformExporter } from './terraform-exporter';

/** Run directories made ahead are named so (never a job id, which no clean-up then mistakes them for). */
const SPARE_PREFIX = '.spare-';
/** How long after a job took the workspace made ahead the next one is made. */
const NEXT_SPARE_AFTER_MS = 200;

/**
 * One export job's run: its folder and workspace, Terraform, the scrubbed log, and the zip. Every
 * error of a run (full disk, descriptors exhausted, a stream failing) ends that run's job, never
 * the server.
 */
@Injectable()
export class ExportRunHandler extends JobHandler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExportRunHandler.name);
  /** Runs being made ready ahead of their job's row (prepare), until they start or are discarded. */
  private readonly preparing = new Map<string, Promise<void>>();
  /**
   * A run directory and workspace made ahead while nothing starts (all but the job's configuration),
   * the next job's here: it then costs a rename instead of a few file-system calls in a row.
   */
  private spare: Promise<string | null> | undefined;
  /** This server's spares are named so; its own start-up clean-up leaves them alone. */
  private readonly ownSparePrefix: string;

  constructor(
    private readonly exporter: TerraformExporter,
    private readonly files: JobFiles,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.ownSparePrefix = `${SPARE_PREFIX}${config.serverId}-`;
  }

  onApplicationBootstrap(): void {
    this.spare = this.makeSpare();
  }

  async onApplicationShutdown(): Promise<void> {
    const spare = await this.spare;
    this.spare = undefined;
    if (spare) await this.files.removeRunDirectory(spare).catch(() => undefined);
  }

  private async makeSpare(): Promise<string | null> {
    const name = `${this.ownSparePrefix}${randomUUID()}`;
    try {
      await this.files.makeRunDirectory(name);
      await this.exporter.prepareWorkspace(this.files.workspaceDirectory(name));
      return name;
    } catch (error) {
      this.logger.warn(`Could not make a workspace ahead: ${(error as Error).message}`);
      await this.files.removeRunDirectory(name).catch(() => undefined);
      return null;
    }
  }

  prepare(job: Pick<ExportJob, 'id' | 'parameters'>): Promise<void> {
    const ready = this.makeReady(job);
    this.preparing.set(job.id, ready);
    // Unhandled until the run or discard awaits it; its error is theirs to report.
    ready.catch(() => undefined);
    return ready;
  }

  private async makeReady(job: Pick<ExportJob, 'id' | 'parameters'>): Promise<void> {
    // Taken at once, so that no other job takes it too. The next one is made a moment later,
    // once this job's exporter has started: its calls would delay that start.
    const taken = this.spare;
    if (taken) this.spare = sleep(NEXT_SPARE_AFTER_MS).then(() => this.makeSpare());
    const spare = taken && (await taken);
    if (!spare || !(await this.files.adopt(spare, job.id))) {
      await this.files.prepare(job.id);
      await this.exporter.prepareWorkspace(this.files.workspaceDirectory(job.id));
    }
    await this.exporter.configureWorkspace({
      parameters: job.parameters,
      exportDirectory: this.exportDirectoryOf(job),
      workspaceDirectory: this.files.workspaceDirectory(job.id),
    });
  }

  private exportDirectoryOf(job: Pick<ExportJob, 'id' | 'parameters'>): string {
    return this.files.exportDirectory(job.id, exportDirectoryOf(job.parameters));
  }

  async run(job: ExportJob, context: JobRunContext): Promise<JobRunResult> {
    const tracker = new ProgressTracker();
    const ready = this.preparing.get(job.id) ?? this.makeReady(job);
    this.preparing.delete(job.id);
    await ready;
    const log = new RunLog(this.files.logFile(job.id), (error) =>
      this.logger.warn(`Log of job ${job.id} stopped: ${error.message}`),
    );
    try {
      const result = await this.exporter.run({
        parameters: job.parameters,
        credentials: context.credentials,
        exportDirectory: this.exportDirectoryOf(job),
        workspaceDirectory: this.files.workspaceDirectory(job.id),
        signal: context.signal,
        onLogLine: (line) => {
          log.write(line);
          if (tracker.onLogLine(line)) context.reportProgress(tracker.progress, tracker.detail);
        },
      });
      // The whole log is on disk, and the workspace gone, before the job's end is recorded.
      await log.end();
      await this.files.removeWorkspace(job.id);
      if (result.status === 'stopped') return { kind: 'stopped' };
      if (result.status === 'failed') {
        return { kind: 'failed', reason: result.notRunnable ? 'not_runnable' : 'error', error: result.error };
      }
      tracker.packaging();
      context.reportProgress(tracker.progress, tracker.detail);
      await context.flushProgress();
      const logProblem =
        log.failure && `The job's log is incomplete: it could not be written (${log.failure.message}).`;
      return await this.package(job, logProblem ? [...result.warnings, logProblem] : result.warnings);
    } finally {
      await log.end();
      await this.files.removeWorkspace(job.id);
    }
  }

  async unprepare(jobId: string): Promise<void> {
    const preparing = this.preparing.get(jobId);
    this.preparing.delete(jobId);
    // Removed only once all of it is written.
    await preparing?.catch(() => undefined);
    await this.files.removeAll(jobId);
  }

  async discard(jobId: string): Promise<void> {
    const killed = killLeftoverExporterIn(this.files.workspaceDirectory(jobId));
    if (killed > 0) this.logger.warn(`Killed ${killed} exporter process(es) left by job ${jobId}`);
    await this.files.removeWorkspace(jobId);
    await this.files.removeJobFiles(jobId);
  }

  async findDeadRuns(): Promise<{ jobId: string; serverId: string }[]> {
    // Workspaces made ahead by servers that died here (or before they wrote their record) go too.
    for (const name of await this.files.runNamesStartingWith(SPARE_PREFIX)) {
      if (name.startsWith(this.ownSparePrefix)) continue;
      const record = readRunRecord(this.files.workspaceDirectory(name));
      if (!record || isDeadServerOnThisHost(record)) await this.files.removeRunDirectory(name);
    }
    const dead: { jobId: string; serverId: string }[] = [];
    for (const jobId of await this.files.runIdsOnDisk()) {
      const workspace = this.files.workspaceDirectory(jobId);
      const record = readRunRecord(workspace);
      if (!record || !isDeadServerOnThisHost(record)) continue;
      if (record.processGroup !== undefined) {
        const killed = killLeftoverExporter(record.processGroup, workspace);
        if (killed > 0)
          this.logger.warn(`Killed ${killed} exporter process(es) a dead server left for job ${jobId}`);
      }
      await this.files.removeWorkspace(jobId);
      dead.push({ jobId, serverId: record.serverId });
    }
    return dead;
  }

  /** Lists the files and writes the zip; a failure here (a full disk) fails the job naming the cause. */
  private async package(job: ExportJob, warnings: string[]): Promise<JobRunResult> {
    const directory = exportDirectoryOf(job.parameters);
    try {
      const errors = await summariseExportErrors(this.files.exportDirectory(job.id, directory));
      const files = await this.files.list(job.id);
      await this.files.buildZip(job.id, files);
      return {
        kind: 'succeeded',
        fileCount: files.length,
        outcome: {
          resources_failed: errors.resourcesFailed,
          ...(errors.errorsFile ? { errors_file: `${directory}/${errors.errorsFile}` } : {}),
          warnings,
        },
      };
    } catch (error) {
      this.logger.error(`Job ${job.id}: could not package the export: ${String(error)}`);
      return {
        kind: 'failed',
        reason: 'error',
        error: `The export ran, but its files could not be packaged: ${(error as Error).message}`,
      };
    }
  }
}
