import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { ExportJob } from '../jobs/export-job';
import { JobEnd, JobLifecycleObserver } from '../jobs/job-handler';
import { ExportMetrics } from '../metrics/export-metrics';

/** Writes each export job's lifecycle into the audit trail and the metrics. */
@Injectable()
export class ExportLifecycleRecorder extends JobLifecycleObserver {
  constructor(
    private readonly audit: AuditTrail,
    private readonly metrics: ExportMetrics,
  ) {
    super();
  }

  async started(job: ExportJob): Promise<void> {
    await this.audit.record({ action: 'job.started', outcome: 'success', jobId: job.id, principal: job.owner });
  }

  async progressed(job: ExportJob, progress: number, phase: string): Promise<void> {
    await this.audit.record({
      action: 'job.progress',
      outcome: 'success',
      jobId: job.id,
      principal: job.owner,
      detail: { progress, phase },
    });
  }

  async ended(job: ExportJob, end: JobEnd): Promise<void> {
    const seconds = (Date.now() - (job.startedAt ?? job.createdAt).getTime()) / 1000;
    this.metrics.jobFinished(end.status, seconds);
    if (end.status === 'completed') {
      await this.audit.record({
        action: 'job.completed',
        outcome: 'success',
        jobId: job.id,
        principal: job.owner,
        detail: { files: end.fileCount, resources_failed: end.resourcesFailed },
      });
    } else if (end.status === 'failed') {
      this.metrics.exporterFailed(end.reason);
      await this.audit.record({
        action: 'job.failed',
        outcome: 'failure',
        jobId: job.id,
        principal: job.owner,
        detail: { reason: end.reason },
      });
    }
  }
}
