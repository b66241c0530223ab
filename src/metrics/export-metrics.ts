import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FINISHED_STATUSES, JOB_STATUSES } from '../jobs/export-job';
import { JobRepository } from '../jobs/job-repository';

/** How a job ended: one of its finished states. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled';

/** Why an exporter run did not produce an export; a closed set, so label values stay few. */
export const EXPORTER_FAILURE_REASONS = ['error', 'timeout', 'interrupted', 'not_runnable'] as const;
export type ExporterFailureReason = (typeof EXPORTER_FAILURE_REASONS)[number];

/** Exports take seconds to hours. */
const JOB_DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800];

/** Metrics about export jobs: what the job runner reports, and the jobs in each state. */
@Injectable()
export class ExportMetrics {
  private readonly logger = new Logger(ExportMetrics.name);
  private readonly jobDuration: Histogram<'outcome'>;
  private readonly exporterFailures: Counter<'reason'>;

  constructor(registry: Registry, store: JobRepository) {
    const logger = this.logger;
    new Gauge({
      name: 'export_jobs',
      help: 'Export jobs in each state',
      labelNames: ['status'],
      registers: [registry],
      // Counted from the database at each scrape, so it is right across restarts and servers.
      async collect() {
        this.reset();
        try {
          const counts = await store.countByStatus();
          for (const status of JOB_STATUSES) this.set({ status }, counts[status]);
        } catch (error) {
          // The rest of the scrape still answers; the series are absent rather than stale.
          logger.warn(`Could not count export jobs: ${String(error)}`);
        }
      },
    });
    this.jobDuration = new Histogram({
      name: 'export_job_duration_seconds',
      help: 'Time from the start of an export job to its end, by how it ended',
      labelNames: ['outcome'],
      buckets: JOB_DURATION_BUCKETS,
      registers: [registry],
    });
    this.exporterFailures = new Counter({
      name: 'exporter_failures_total',
      help: 'Exporter runs that did not produce an export, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Every series exists from the start, so rate() and alerts see a 0 rather than nothing.
    for (const outcome of FINISHED_STATUSES) this.jobDuration.zero({ outcome });
    for (const reason of EXPORTER_FAILURE_REASONS) this.exporterFailures.inc({ reason }, 0);
  }

  jobFinished(outcome: JobOutcome, durationSeconds: number): void {
    this.jobDuration.observe({ outcome }, durationSeconds);
  }

  exporterFailed(reason: ExporterFailureReason): void {
    this.exporterFailures.inc({ reason });
  }
}
