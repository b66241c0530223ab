import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { JobStatus } from '../jobs/export-job';
import { rowsOf } from '../jobs/job-rows';
import {
  AttemptRecord,
  DeliveryRecord,
  DeliveryState,
  RunChangeSummary,
  WebhookEvent,
  WebhookTarget,
} from './webhook-delivery';

interface DeliveryRow {
  id: string;
  url: string;
  state: DeliveryState;
  event: WebhookEvent;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  job_status: JobStatus;
}

interface AttemptRow {
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  status_code: number | null;
  error: string | null;
}

/**
 * The webhook_deliveries table as the API, the schedules and retention see it: a job's webhook is
 * stored with the job, as the delivery that announces its end (which the queue then claims).
 */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly db: DataSource) {}

  /** Inside the transaction that creates the job, so a job never exists without the webhook it was given. */
  async attach(manager: EntityManager, jobId: string, target: WebhookTarget): Promise<void> {
    // A scheduled run's delivery waits for the run's change summary.
    await manager.query(
      `INSERT INTO webhook_deliveries (id, job_id, schedule_id, url, secret, awaits_changes)
       VALUES ($1, $2, $3, $4, $5, $3::uuid IS NOT NULL)`,
      [randomUUID(), jobId, target.scheduleId, target.url, target.sealedSecret],
    );
  }

  /** The scheduled run's change summary (null: none could be made); its delivery waits no longer. */
  async recordChanges(jobId: string, changes: RunChangeSummary | null): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET changes = $2::jsonb, awaits_changes = false, updated_at = now()
        WHERE job_id = $1 AND awaits_changes`,
      [jobId, changes === null ? null : JSON.stringify(changes)],
    );
  }

  /** The schedule is gone, and no change summary will come for its runs. */
  async stopAwaitingChanges(scheduleId: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET awaits_changes = false, updated_at = now()
        WHERE schedule_id = $1 AND awaits_changes`,
      [scheduleId],
    );
  }

  /** Removes the deliveries of these jobs, with their attempts and sealed secrets. */
  async forgetJobs(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.db.query('DELETE FROM webhook_deliveries WHERE job_id = ANY($1::uuid[])', [jobIds]);
  }

  /** The job's webhook URL (null without one) and, once the job has ended, the delivery announcing it. */
  async ofJob(jobId: string): Promise<{ url: string | null; deliveries: DeliveryRecord[] }> {
    const [row] = rowsOf<DeliveryRow>(
      await this.db.query(
        // Before the first attempt the event is the job's end, as the document will say.
        `SELECT d.id, d.url, d.state, COALESCE(d.body::jsonb ->> 'event', 'job.' || j.status) AS event,
                d.next_attempt_at, d.delivered_at, j.status AS job_status
           FROM webhook_deliveries d JOIN export_jobs j ON j.id = d.job_id
          WHERE d.job_id = $1`,
        [jobId],
      ),
    );
    if (!row) return { url: null, deliveries: [] };
    if (row.job_status === 'pending' || row.job_status === 'running') return { url: row.url, deliveries: [] };
    const attempts = rowsOf<AttemptRow>(
      await this.db.query(
        `SELECT attempt, started_at, finished_at, status_code, error FROM webhook_delivery_attempts
          WHERE delivery_id = $1 ORDER BY attempt`,
        [row.id],
      ),
    );
    const delivery: DeliveryRecord = {
      id: row.id,
      event: row.event,
      state: row.state,
      nextAttemptAt: row.next_attempt_at,
      deliveredAt: row.delivered_at,
      attempts: attempts.map((attempt): AttemptRecord => ({
        attempt: attempt.attempt,
        startedAt: attempt.started_at,
        finishedAt: attempt.finished_at,
        statusCode: attempt.status_code,
        error: attempt.error,
      })),
    };
    return { url: row.url, deliveries: [delivery] };
  }
}
