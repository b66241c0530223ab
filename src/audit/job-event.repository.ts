import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEvent, RecordedAuditEvent } from './audit-event';

interface JobEventRow {
  occurred_at: Date;
  job_id: string | null;
  principal: string | null;
  action: AuditEvent['action'];
  outcome: AuditEvent['outcome'];
  http_status: number | null;
  request_id: string | null;
  client_ip: string | null;
  detail: Record<string, unknown> | null;
}

/** The job_events table. */
@Injectable()
export class JobEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(event: AuditEvent): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job_events (job_id, principal, action, outcome, http_status, request_id, client_ip, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        event.jobId ?? null,
        event.principal ?? null,
        event.action,
        event.outcome,
        event.httpStatus ?? null,
        event.requestId ?? null,
        event.clientIp ?? null,
        event.detail ? JSON.stringify(event.detail) : null,
      ],
    );
  }

  async forJob(jobId: string): Promise<RecordedAuditEvent[]> {
    const rows: JobEventRow[] = await this.dataSource.query(
      'SELECT * FROM job_events WHERE job_id = $1 ORDER BY occurred_at, id',
      [jobId],
    );
    return rows.map((row) => ({
      occurredAt: row.occurred_at,
      action: row.action,
      outcome: row.outcome,
      jobId: row.job_id ?? undefined,
      principal: row.principal ?? undefined,
      httpStatus: row.http_status ?? undefined,
      requestId: row.request_id ?? undefined,
      clientIp: row.client_ip ?? undefined,
      detail: row.detail ?? undefined,
    }));
  }
}
