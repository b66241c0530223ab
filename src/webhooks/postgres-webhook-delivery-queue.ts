import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '../jobs/job-rows';
import { ClaimedDelivery, EndedJobStatus, RunChangeSummary } from './webhook-delivery';
import { RecordedAttempt, WebhookDeliveryQueue } from './webhook-delivery-queue';

const MS = "interval '1 millisecond'";

/**
 * How long a scheduled run's delivery waits for the run's change summary after its job ended; then
 * it goes without one (the server that would have recorded it may have stopped).
 */
const CHANGES_WAIT_MS = 10 * 60_000;

/** Written on an attempt whose server stopped before recording its outcome, when the next one starts. */
const NO_OUTCOME = 'no outcome recorded: the server making this attempt stopped or lost its lease';

interface ClaimedRow {
  id: string;
  job_id: string;
  schedule_id: string | null;
  url: string;
  secret: string;
  changes: RunChangeSummary | null;
  body: string | null;
  attempts: number;
  elapsed_ms: number;
  job_status: EndedJobStatus;
  job_error: string | null;
  ended_at: Date;
}

/** The WebhookDeliveryQueue on PostgreSQL; every time is the database's `now()`. */
@Injectable()
export class PostgresWebhookDeliveryQueue extends WebhookDeliveryQueue {
  constructor(private readonly db: DataSource) {
    super();
  }

  async claimNext(serverId: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    // SKIP LOCKED lets several servers claim at once; the lease keeps the claim after the statement.
    const [row] = rowsOf<ClaimedRow>(
      await this.db.query(
        `WITH due AS (
           SELECT d.id FROM webhook_deliveries d JOIN export_jobs j ON j.id = d.job_id
            WHERE d.state = 'pending' AND j.status IN ('completed', 'failed', 'cancelled')
              AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
              AND (NOT d.awaits_changes OR COALESCE(j.cancelled_at, j.completed_at) < now() - $3 * ${MS})
            ORDER BY d.next_attempt_at NULLS FIRST, d.created_at
            LIMIT 1
            FOR UPDATE OF d SKIP LOCKED),
         claimed AS (
           UPDATE webhook_deliveries d SET attempts = d.attempts + 1, server_id = $1,
               lease_expires_at = now() + $2 * ${MS}, first_attempt_at = COALESCE(d.first_attempt_at, now()),
               updated_at = now()
             FROM due WHERE d.id = due.id
           RETURNING d.*),
         unfinished AS (
           UPDATE webhook_delivery_attempts a SET error = $4
            WHERE a.delivery_id = (SELECT id FROM claimed) AND a.finished_at IS NULL),
         started AS (
           INSERT INTO webhook_delivery_attempts (delivery_id, attempt, server_id, started_at)
           SELECT id, attempts, $1, now() FROM claimed)
         SELECT c.id, c.job_id, c.schedule_id, c.url, c.secret, c.changes, c.body, c.attempts,
                (EXTRACT(EPOCH FROM now() - c.first_attempt_at) * 1000)::float8 AS elapsed_ms,
                j.status AS job_status, j.error AS job_error, COALESCE(j.cancelled_at, j.completed_at) AS ended_at
           FROM claimed c JOIN export_jobs j ON j.id = c.job_id`,
        [serverId, leaseMs, CHANGES_WAIT_MS, NO_OUTCOME],
      ),
    );
    if (!row) return null;
    return {
      id: row.id,
      jobId: row.job_id,
      scheduleId: row.schedule_id,
      url: row.url,
      sealedSecret: row.secret,
      changes: row.changes,
      body: row.body,
      attempt: row.attempts,
      elapsedMs: row.elapsed_ms,
      job: { status: row.job_status, error: row.job_error, endedAt: row.ended_at },
    };
  }

  async recordAttempt(delivery: ClaimedDelivery, serverId: string, attempt: RecordedAttempt): Promise<void> {
    const { result } = attempt;
    const state = result.delivered ? 'delivered' : attempt.retryInMs === null ? 'failed' : 'pending';
    await this.db.query(
      `WITH finished AS (
         UPDATE webhook_delivery_attempts SET finished_at = now(), status_code = $4, error = $5
          WHERE delivery_id = $1 AND attempt = $2 AND server_id = $3)
       UPDATE webhook_deliveries SET state = $6, body = COALESCE(body, $7),
           next_attempt_at = CASE WHEN $6 = 'pending' THEN now() + $8 * ${MS} END,
           delivered_at = CASE WHEN $6 = 'delivered' THEN now() END,
           lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND attempts = $2 AND server_id = $3 AND state = 'pending'`,
      [
        delivery.id,
        delivery.attempt,
        serverId,
        result.statusCode,
        result.delivered ? null : result.error,
        state,
        attempt.body,
        attempt.retryInMs,
      ],
    );
  }

  async msUntilNextRetry(): Promise<number | null> {
    // A retry held by another server is not due before its lease runs out.
    const [row] = await this.db.query<{ ms: number | null }[]>(
      `SELECT (EXTRACT(EPOCH FROM (MIN(GREATEST(next_attempt_at, COALESCE(lease_expires_at, next_attempt_at)))
                 - now())) * 1000)::float8 AS ms
         FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at IS NOT NULL`,
    );
    return row.ms === null ? null : Math.max(0, row.ms);
  }
}
