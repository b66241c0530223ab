import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AuditEvent, READ_ACTIONS, RecordedAuditEvent } from './audit-event';
import { SqlPart } from '../database/sql-part';
import { JobEventRepository } from './job-event.repository';

/** How often queued reads are written, and how many at most per statement. */
const READ_FLUSH_MS = 1000;
const READ_BATCH = 500;
/** While the database cannot take them, at most this many reads wait; older ones are dropped (and counted in the log). */
const MAX_QUEUED_READS = 20_000;

/**
 * Records every operation twice: as a job_events row (queryable per job or schedule) and as a structured JSON
 * log line. Operations are written before the caller goes on; reads (READ_ACTIONS) are queued and
 * written in batches, so they never add a database round trip to a poll, and get no log line of
 * their own: a read is a request, and the request log already has its line (request-log.ts).
 * A failure to record never fails the request itself; it is logged instead.
 */
@Injectable()
export class AuditTrail implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  /** Rows being written, so shutdown can wait for them before the database closes. */
  private readonly writing = new Set<Promise<void>>();
  private queuedReads: RecordedAuditEvent[] = [];
  private droppedReads = 0;
  private readonly flusher = setInterval(() => void this.flushReads(), READ_FLUSH_MS).unref();

  constructor(private readonly events: JobEventRepository) {}

  /** Writes an operation's event now. */
  async record(event: AuditEvent): Promise<void> {
    this.logger.log({ audit: event }, event.action);
    await this.track(this.write([{ ...event, occurredAt: new Date() }], event.action));
  }

  /**
   * An operation's event as part of the statement that performs it (JobRepository.create), so
   * the two are committed together: `when` is the statement's condition for the operation, and
   * `first` the number of the first parameter. Logged now, as `record` logs before it writes.
   */
  statementFor(event: AuditEvent, first: number, when: string): SqlPart {
    this.logger.log({ audit: event }, event.action);
    return JobEventRepository.insertStatement([{ ...event, occurredAt: new Date() }], first, when);
  }

  /** Queues a read's event; it is written within READ_FLUSH_MS (or before the trail is next read). */
  recordRead(event: AuditEvent): void {
    if (!READ_ACTIONS.has(event.action)) throw new Error(`${event.action} is not a read`);
    this.queuedReads.push({ ...event, occurredAt: new Date() });
    if (this.queuedReads.length > MAX_QUEUED_READS) {
      this.droppedReads += this.queuedReads.length - MAX_QUEUED_READS;
      this.queuedReads.splice(0, this.queuedReads.length - MAX_QUEUED_READS);
    }
    if (this.queuedReads.length >= READ_BATCH) void this.flushReads();
  }

  /** A job's trail, oldest first, including reads still queued. */
  async eventsOf(jobId: string): Promise<RecordedAuditEvent[]> {
    await this.writeQueued();
    return this.events.forJob(jobId);
  }

  /** A schedule's trail, oldest first, including reads still queued. */
  async eventsOfSchedule(scheduleId: string): Promise<RecordedAuditEvent[]> {
    await this.writeQueued();
    return this.events.forSchedule(scheduleId);
  }

  /** Forgets events older than `cutoff` (the job retention); returns how many. */
  purgeBefore(cutoff: Date): Promise<number> {
    return this.events.deleteOlderThan(cutoff);
  }

  onModuleDestroy(): void {
    clearInterval(this.flusher);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.writeQueued();
  }

  /** Writes the queued reads and waits for the batches another flush has in flight. */
  private async writeQueued(): Promise<void> {
    await this.flushReads();
    await Promise.all(this.writing);
  }

  private async flushReads(): Promise<void> {
    if (this.droppedReads > 0) {
      this.logger.warn(`${this.droppedReads} read event(s) were dropped while the database was unavailable`);
      this.droppedReads = 0;
    }
    while (this.queuedReads.length > 0) {
      const batch = this.queuedReads.splice(0, READ_BATCH);
      if (!(await this.track(this.write(batch, 'reads')))) {
        // Kept for the next flush, ahead of newer reads, so the trail stays in order.
        this.queuedReads.unshift(...batch);
        return;
      }
    }
  }

  /** True when written; a failure is logged. */
  private async write(events: RecordedAuditEvent[], what: string): Promise<boolean> {
    try {
      await this.events.insert(events);
      return true;
    } catch (error) {
      this.logger.error(`Could not record audit event ${what}: ${String(error)}`);
      return false;
    }
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    const done = work.then(() => undefined);
    this.writing.add(done);
    try {
      return await work;
    } finally {
      this.writing.delete(done);
    }
  }
}
