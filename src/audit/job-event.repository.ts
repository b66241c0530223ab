import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlPart } from '../database/sql-part';
import { AuditEvent, RecordedAuditEvent } from './audit-event';

const PURGE_BATCH = 10_000;

interface JobEventRow {
  occurred_at: Date;
  job_id: string | null;
  schedule_id: string | null;
  principal: string | null;
  principal_name: string | null;
  organization_id: string | null;
  action: AuditEvent['action'];
  outcome: AuditEvent['outcome'];
  http_status: number | null;
  request_id: string | null;
  client_ip: string | null;
  detail: Record<string, unknown> | null;
}

/** The columns an insert writes, each with its type (parameters of an INSERT ... SELECT need them). */
const INSERTED_COLUMNS = [
  ['occurred_at', 'timestamptz'],
  ['job_id', 'uuid'],
  ['schedule_id', 'uuid'],
  ['principal', 'text'],
  ['principal_name', 'text'],
  ['organization_id', 'text'],
  ['action', 'text'],
  ['outcome', 'text'],
  ['http_status', 'smallint'],
  ['request_id', 'text'],
  ['client_ip', 'text'],
  ['detail', 'jsonb'],
] as const;

const INSERT_COLUMN_ARRAYS = `INSERT INTO job_events (${INSERTED_COLUMNS.map(([name]) => name).join(', ')})
  SELECT * FROM unnest(${INSERTED_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;

/** An event's values, in the order of INSERTED_COLUMNS. */
function rowOf(event: RecordedAuditEvent): unknown[] {
  return [
    event.occurredAt,
    event.jobId ?? null,
    event.scheduleId ?? null,
    event.principal ?? null,
    event.principalName ?? null,
    event.organizationId ?? null,
    event.action,
    event.outcome,
    event.httpStatus ?? null,
    event.requestId ?? null,
    event.clientIp ?? null,
    event.detail ? JSON.stringify(event.detail) : null,
  ];
}

/** The job_events table: the audit trail of jobs and of schedules. */
@Injectable()
export class JobEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the events in one statement, each with its own time: one array per column, so the
   * statement is the same for a batch of 500 reads as for one operation.
   */
  async insert(events: readonly RecordedAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const columns = INSERTED_COLUMNS.map(() => [] as unknown[]);
    for (const event of events) rowOf(event).forEach((value, i) => columns[i].push(value));
    await this.dataSource.query(INSERT_COLUMN_ARRAYS, columns);
  }

  /**
   * The INSERT of `events`, its parameters numbered from `$first`; written only where `when` (an
   * SQL condition) holds, so that another statement can write its record with what it does.
   */
  static insertStatement(events: readonly RecordedAuditEvent[], first: number, when = 'true'): SqlPart {
    const values: unknown[] = [];
    const rows = events.map((event) => {
      const start = first + values.length;
      values.push(...rowOf(event));
      return `(${INSERTED_COLUMNS.map(([, type], i) => `$${start + i}::${type}`).join(', ')})`;
    });
    const columns = INSERTED_COLUMNS.map(([name]) => name).join(', ');
    return {
      sql: `INSERT INTO job_events (${columns})
            SELECT * FROM (VALUES ${rows.join(', ')}) AS event (${columns}) WHERE ${when}`,
      values,
    };
  }

  /** Deletes events older than `cutoff`, a batch at a time so no statement holds many row locks. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM job_events WHERE id IN (
           SELECT id FROM job_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)`,
        [cutoff, PURGE_BATCH],
      );
      deleted += count;
      if (count < PURGE_BATCH) return deleted;
    }
  }

  /** A job's events, oldest first. */
  forJob(jobId: string): Promise<RecordedAuditEvent[]> {
    return this.select('job_id', jobId);
  }

  /** A schedule's events, oldest first. */
  forSchedule(scheduleId: string): Promise<RecordedAuditEvent[]> {
    return this.select('schedule_id', scheduleId);
  }

  private async select(column: 'job_id' | 'schedule_id', id: string): Promise<RecordedAuditEvent[]> {
    const rows: JobEventRow[] = await this.dataSource.query(
      `SELECT * FROM job_events WHERE ${column} = $1 ORDER BY occurred_at, id`,
      [id],
    );
    return rows.map((row) => ({
      occurredAt: row.occurred_at,
      action: row.action,
      outcome: row.outcome,
      jobId: row.job_id ?? undefined,
      scheduleId: row.schedule_id ?? undefined,
      principal: row.principal ?? undefined,
      principalName: row.principal_name ?? undefined,
      organizationId: row.organization_id ?? undefined,
      httpStatus: row.http_status ?? undefined,
      requestId: row.request_id ?? undefined,
      clientIp: row.client_ip ?? undefined,
      detail: row.detail ?? undefined,
    }));
  }
}
