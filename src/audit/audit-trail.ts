import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AuditEvent, RecordedAuditEvent } from './audit-event';
import { JobEventRepository } from './job-event.repository';

/**
 * Records every operation twice: as a job_events row (queryable per job) and as a structured JSON
 * log line. A failure to record never fails the operation itself; it is logged instead.
 */
@Injectable()
export class AuditTrail implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  /** Rows being written, so shutdown can wait for them before the database closes. */
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly events: JobEventRepository) {}

  async record(event: AuditEvent): Promise<void> {
    this.logger.log({ audit: event }, event.action);
    const write: Promise<void> = this.events
      .insert(event)
      .catch((error: unknown) =>
        this.logger.error(`Could not record audit event ${event.action}: ${String(error)}`),
      )
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
    await write;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.writing);
  }

  eventsOf(jobId: string): Promise<RecordedAuditEvent[]> {
    return this.events.forJob(jobId);
  }
}
