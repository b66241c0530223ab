import { Injectable, Logger } from '@nestjs/common';
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

/**
 * One export job's run: its folder and workspace, Terraform, the scrubbed log, and the zip. Every
 * error of a run (full disk, descriptors exhausted, a stream failing) ends that run's job, never
 * the server.
 */
@Injectable()
export class ExportRunHandler extends JobHandler {
  private readonly logger = new Logger(ExportRunHandler.name);

  constructor(
    private readonly exporter: TerraformExporter,
    private readonly files: JobFiles,
  ) {
    super();
  }

  async run(job: ExportJob, context: JobRunContext): Promise<JobRunResult> {
    const tracker = new ProgressTracker();
    await this.files.prepare(job.id);
    const log = new RunLog(this.files.logFile(job.id), (error) =>
      this.logger.warn(`Log of job ${job.id} stopped: ${error.message}`),
    );
    try {
      const result = await this.exporter.run({
        parameters: job.parameters,
        credentials: context.credentials,
        exportDirectory: this.files.exportDirectory(job.id, exportDirectoryOf(job.parameters)),
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

  async discard(jobId: string): Promise<void> {
    const killed = killLeftoverExporterIn(this.files.workspaceDirectory(jobId));
    if (killed > 0) this.logger.warn(`Killed ${killed} exporter process(es) left by job ${jobId}`);
    await this.files.removeWorkspace(jobId);
    await this.files.removeJobFiles(jobId);
  }

  async findDeadRuns(): Promise<{ jobId: string; serverId: string }[]> {
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
