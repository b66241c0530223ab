import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExportJob, ProgressDetail } from './export-job';
import { JobQueue, LeaseTerms, RunEnd, SWEEP_ERRORS, SweepReason, SweptJob } from './job-queue';
import { JOB_COLUMNS, JobRow, rowsOf, toJob } from './job-rows';

const MS = "interval '1 millisecond'";

/** The JobQueue on PostgreSQL; every time is the database's `now()`, so server clocks do not matter. */
@Injectable()
export class PostgresJobQueue extends JobQueue {
  constructor(private readonly db: DataSource) {
    super();
  }

  async claimNext(serverId: string, leaseMs: number, heldBearerJobIds: string[]): Promise<ExportJob | null> {
    // SKIP LOCKED lets several servers claim at once without running a job twice.
    const [row] = rowsOf<JobRow>(
      await this.db.query(
        `UPDATE export_jobs SET status = 'running', server_id = $2, started_at = now(), updated_at = now(),
           lease_expires_at = now() + $3 * ${MS}
          WHERE id = (
            SELECT id FROM export_jobs
             WHERE status = 'pending'
               -- A job its creator reserved for a slot of its own is claimed only once that lease ran out.
               AND ((credential_source = 'environment' AND (lease_expires_at IS NULL OR lease_expires_at <= now()))
                    OR id = ANY($1::uuid[]))
             ORDER BY created_at, id
             LIMIT 1
             FOR UPDATE SKIP LOCKED)
          RETURNING ${JOB_COLUMNS}`,
        [heldBearerJobIds, serverId, leaseMs],
      ),
    );
    return row ? toJob(row) : null;
  }

  async startReserved(jobId: string, serverId: string, leaseMs: number): Promise<ExportJob | null> {
    const [row] = rowsOf<JobRow>(
      await this.db.query(
        `UPDATE export_jobs SET status = 'running', started_at = now(), updated_at = now(),
           lease_expires_at = now() + $3 * ${MS}
          WHERE id = $1 AND server_id = $2 AND status = 'pending'
          RETURNING ${JOB_COLUMNS}`,
        [jobId, serverId, leaseMs],
      ),
    );
    return row ? toJob(row) : null;
  }

  async renewLeases(serverId: string, ids: string[], leaseMs: number): Promise<string[]> {
    // Run even without ids: the heartbeat also tells the worker whether the database answers.
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `UPDATE export_jobs SET lease_expires_at = now() + $3 * ${MS}
          WHERE id = ANY($1::uuid[]) AND server_id = $2 AND status IN ('pending', 'running')
          RETURNING id`,
        [ids, serverId, leaseMs],
      ),
    );
    return rows.map((row) => row.id);
  }

  async recordProgress(
    jobId: string,
    serverId: string,
    progress: number,
    detail: ProgressDetail,
  ): Promise<void> {
    await this.db.query(
      `UPDATE export_jobs SET progress = GREATEST(progress, $3), progress_detail = $4, updated_at = now()
        WHERE id = $1 AND server_id = $2 AND status = 'running'`,
      [jobId, serverId, progress, JSON.stringify(detail)],
    );
  }

  async finishRun(jobId: string, serverId: string, end: RunEnd): Promise<ExportJob | null> {
    const [row] = rowsOf<JobRow>(
      await this.db.query(
        `UPDATE export_jobs SET status = $3::text, updated_at = now(), completed_at = now(), lease_expires_at = NULL,
           progress = CASE WHEN $3::text = 'completed' THEN 100 ELSE progress END,
           outcome = $4::jsonb, error = $5
          WHERE id = $1 AND server_id = $2 AND status = 'running'
          RETURNING ${JOB_COLUMNS}`,
        [
          jobId,
          serverId,
          end.status,
          end.status === 'completed' ? JSON.stringify(end.outcome) : null,
          end.status === 'failed' ? end.error : null,
        ],
      ),
    );
    return row ? toJob(row) : null;
  }

  async failPending(jobId: string, error: string): Promise<ExportJob | null> {
    const [row] = rowsOf<JobRow>(
      await this.db.query(
        `UPDATE export_jobs SET status = 'failed', error = $2, updated_at = now(), completed_at = now(),
           lease_expires_at = NULL
          WHERE id = $1 AND status = 'pending'
          RETURNING ${JOB_COLUMNS}`,
        [jobId, error],
      ),
    );
    return row ? toJob(row) : null;
  }

  async sweep(serverId: string, terms: LeaseTerms): Promise<SweptJob[]> {
    const rows = rowsOf<JobRow & { reason: SweepReason }>(
      await this.db.query(
        `WITH due AS (
           SELECT id, CASE
               WHEN status = 'pending' THEN 'abandoned'
               WHEN started_at < now() - $2 * ${MS} THEN 'timeout'
               ELSE 'interrupted' END AS reason
             FROM export_jobs
            WHERE server_id IS DISTINCT FROM $1
              AND ((status = 'running'
                    AND (lease_expires_at < now() OR started_at < now() - ($2 + $3) * ${MS}))
                OR (status = 'pending' AND credential_source = 'bearer' AND lease_expires_at < now()))
            FOR UPDATE SKIP LOCKED)
         UPDATE export_jobs j SET status = 'failed', updated_at = now(), completed_at = now(),
             lease_expires_at = NULL,
             error = CASE due.reason WHEN 'abandoned' THEN $4 WHEN 'timeout' THEN $5 ELSE $6 END
           FROM due WHERE j.id = due.id
         RETURNING ${JOB_COLUMNS.replace(/(\w+)/g, 'j.$1')}, due.reason`,
        [
          serverId,
          terms.jobTimeoutMs,
          terms.leaseMs,
          SWEEP_ERRORS.abandoned,
          SWEEP_ERRORS.timeout,
          SWEEP_ERRORS.interrupted,
        ],
      ),
    );
    return rows.map((row) => ({ job: toJob(row), reason: row.reason }));
  }

  async cancelledAmong(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = rowsOf<{ id: string }>(
      await this.db.query(`SELECT id FROM export_jobs WHERE id = ANY($1::uuid[]) AND status = 'cancelled'`, [
        ids,
      ]),
    );
    return rows.map((row) => row.id);
  }

  async endedAmong(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `SELECT candidate AS id FROM unnest($1::uuid[]) AS candidate
          WHERE NOT EXISTS (SELECT 1 FROM export_jobs
                             WHERE id = candidate AND status IN ('pending', 'running'))`,
        [ids],
      ),
    );
    return rows.map((row) => row.id);
  }
}
