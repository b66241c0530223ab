import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DatabaseLocks } from '../jobs/database-locks';
import { FINISHED_STATUSES, JobStatus, OwnerKind } from '../jobs/export-job';
import { IdempotencyKeyRepository } from '../jobs/idempotency-keys';
import { accessCondition, afterPositionCondition, JobAccess, JobListPosition } from '../jobs/job-repository';
import { rowsOf } from '../jobs/job-rows';
import {
  ChangeSummary,
  RunOutcome,
  runIdempotencyKey,
  Schedule,
  ScheduleRun,
  STUCK_START_DETAIL,
} from './schedule';

const SCHEDULE_COLUMNS = `id, name, cron, time_zone, parameters, keep_runs, paused, webhook_url, webhook_secret, owner,
  owner_kind, owner_id, owner_name, organization_id, next_run_at, last_run_at, missed_runs, last_missed_at, created_at,
  updated_at`;

interface ScheduleRow {
  id: string;
  name: string;
  cron: string;
  time_zone: string;
  parameters: Schedule['parameters'];
  keep_runs: number;
  paused: boolean;
  webhook_url: string | null;
  webhook_secret: string | null;
  owner: string;
  owner_kind: OwnerKind;
  owner_id: string;
  owner_name: string | null;
  organization_id: string | null;
  next_run_at: Date | null;
  last_run_at: Date | null;
  missed_runs: number;
  last_missed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    timeZone: row.time_zone,
    parameters: row.parameters,
    keepRuns: row.keep_runs,
    paused: row.paused,
    webhook:
      row.webhook_url === null || row.webhook_secret === null
        ? null
        : { url: row.webhook_url, sealedSecret: row.webhook_secret },
    owner: row.owner,
    ownerKind: row.owner_kind,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    organizationId: row.organization_id,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    missedRuns: row.missed_runs,
    lastMissedAt: row.last_missed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const RUN_COLUMNS = `r.id, r.schedule_id, r.due_at, r.outcome, r.job_id, j.status AS job_status, r.detail,
  r.change_summary, r.created_at`;

interface RunRow {
  id: string;
  schedule_id: string;
  due_at: Date;
  outcome: RunOutcome;
  job_id: string | null;
  job_status: JobStatus | null;
  detail: string | null;
  change_summary: ChangeSummary | null;
  created_at: Date;
}

function toRun(row: RunRow): ScheduleRun {
  return {
    id: row.id,
    scheduleId: row.schedule_id,
    dueAt: row.due_at,
    outcome: row.outcome,
    jobId: row.job_id,
    jobStatus: row.job_status,
    detail: row.detail,
    changeSummary: row.change_summary,
    createdAt: row.created_at,
  };
}

export type NewSchedule = Pick<
  Schedule,
  | 'name'
  | 'cron'
  | 'timeZone'
  | 'parameters'
  | 'keepRuns'
  | 'webhook'
  | 'owner'
  | 'ownerKind'
  | 'ownerId'
  | 'ownerName'
  | 'organizationId'
  | 'nextRunAt'
>;

/** What a change sets; `nextRunAt` is recomputed by the caller whenever the timing or pausing changes. */
export type ScheduleChanges = Partial<
  Pick<
    Schedule,
    'name' | 'cron' | 'timeZone' | 'parameters' | 'keepRuns' | 'paused' | 'webhook' | 'nextRunAt'
  >
>;

/** The columns a change sets, each with its value as a query parameter. */
const CHANGE_COLUMNS: {
  [Field in keyof ScheduleChanges]-?: (value: ScheduleChanges[Field]) => [string, unknown][];
} = {
  name: (name) => [['name', name]],
  cron: (cron) => [['cron', cron]],
  timeZone: (timeZone) => [['time_zone', timeZone]],
  parameters: (parameters) => [['parameters', JSON.stringify(parameters)]],
  keepRuns: (keepRuns) => [['keep_runs', keepRuns]],
  paused: (paused) => [['paused', paused]],
  webhook: (webhook) => [
    ['webhook_url', webhook?.url ?? null],
    ['webhook_secret', webhook?.sealedSecret ?? null],
  ],
  nextRunAt: (nextRunAt) => [['next_run_at', nextRunAt]],
};

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: JobListPosition | null;
}

/** A due schedule, claimed: its row stays locked until the decision on it is recorded. */
export interface DueClaim {
  schedule: Schedule;
  /** The database's clock, which every server shares. */
  now: Date;
  /** The job of the schedule's latest started run, while it is pending or running. */
  runningJobId: string | null;
}

/** What the scheduler decided about a claimed schedule. */
export interface DueDecision {
  run: { dueAt: Date; outcome: 'starting' | 'skipped'; detail: string | null } | null;
  missed: number;
  lastMissedAt: Date | null;
  nextRunAt: Date | null;
}

/** A run whose job has ended and whose consequences (summary, pruning) are not drawn yet. */
export interface EndedRun {
  run: ScheduleRun;
  schedule: Schedule;
  /** The job of the schedule's previous completed run, to compare with. */
  previousCompletedJobId: string | null;
}

/** The export_schedules and export_schedule_runs tables; every time is the database's `now()`. */
@Injectable()
export class ScheduleRepository {
  constructor(
    private readonly db: DataSource,
    private readonly locks: DatabaseLocks,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
  ) {}

  /**
   * Creates the schedule, unless its owner has `limit` schedules already (null then; 0: no
   * limit). The count and the insert happen under a lock per owner, so concurrent creates on any
   * server take turns and cannot together exceed the limit.
   */
  async create(schedule: NewSchedule, limit: number): Promise<Schedule | null> {
    return this.db.transaction(async (manager) => {
      if (limit > 0) {
        await this.locks.lockInTransaction(manager, `schedule-create:${schedule.owner}`);
        const [{ count }] = await manager.query<{ count: number }[]>(
          'SELECT count(*)::int AS count FROM export_schedules WHERE owner = $1',
          [schedule.owner],
        );
        if (count >= limit) return null;
      }
      return this.insert(manager, schedule);
    });
  }

  private async insert(manager: EntityManager, schedule: NewSchedule): Promise<Schedule> {
    const [row] = rowsOf<ScheduleRow>(
      await manager.query(
        `INSERT INTO export_schedules (id, name, cron, time_zone, parameters, keep_runs, owner, owner_kind,
           owner_id, owner_name, organization_id, next_run_at, webhook_url, webhook_secret, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), now())
         RETURNING ${SCHEDULE_COLUMNS}`,
        [
          randomUUID(),
          schedule.name,
          schedule.cron,
          schedule.timeZone,
          JSON.stringify(schedule.parameters),
          schedule.keepRuns,
          schedule.owner,
          schedule.ownerKind,
          schedule.ownerId,
          schedule.ownerName,
          schedule.organizationId,
          schedule.nextRunAt,
          schedule.webhook?.url ?? null,
          schedule.webhook?.sealedSecret ?? null,
        ],
      ),
    );
    return toSchedule(row);
  }

  async get(id: string): Promise<Schedule | null> {
    const [row] = rowsOf<ScheduleRow>(
      await this.db.query(`SELECT ${SCHEDULE_COLUMNS} FROM export_schedules WHERE id = $1`, [id]),
    );
    return row ? toSchedule(row) : null;
  }

  /** A page of the schedules `access` may see, newest first, like the job list. */
  async list(query: { access: JobAccess; limit: number; after?: JobListPosition }): Promise<Page<Schedule>> {
    const parameters: unknown[] = [query.limit + 1];
    const conditions = [accessCondition(query.access, parameters)];
    if (query.after)
      conditions.push(afterPositionCondition({ time: 'created_at', id: 'id' }, query.after, parameters));
    const rows = rowsOf<ScheduleRow & { list_position: string }>(
      await this.db.query(
        `SELECT ${SCHEDULE_COLUMNS}, created_at::text AS list_position FROM export_schedules
          WHERE ${conditions.join(' AND ')}
          ORDER BY created_at DESC, id LIMIT $1`,
        parameters,
      ),
    );
    return pageOf(rows, query.limit, toSchedule);
  }

  /** Applies `changes`; null when the schedule no longer exists. */
  async update(id: string, changes: ScheduleChanges): Promise<Schedule | null> {
    const parameters: unknown[] = [id];
    const columns = (Object.keys(changes) as (keyof ScheduleChanges)[]).flatMap((field) =>
      (CHANGE_COLUMNS[field] as (value: unknown) => [string, unknown][])(changes[field]),
    );
    const assignments = columns.map(([column, value]) => {
      parameters.push(value);
      return `${column} = $${parameters.length}${column === 'parameters' ? '::jsonb' : ''}`;
    });
    const [row] = rowsOf<ScheduleRow>(
      await this.db.query(
        `UPDATE export_schedules SET ${[...assignments, 'updated_at = now()'].join(', ')}
          WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
        parameters,
      ),
    );
    return row ? toSchedule(row) : null;
  }

  /** Deletes the schedule and its run records; the jobs it started stay, as ordinary jobs. */
  async delete(id: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query('DELETE FROM export_schedules WHERE id = $1 RETURNING id', [id]),
    );
    return rows.length > 0;
  }

  /** A page of a schedule's runs, latest due first. */
  async listRuns(scheduleId: string, limit: number, after?: JobListPosition): Promise<Page<ScheduleRun>> {
    const parameters: unknown[] = [scheduleId, limit + 1];
    const conditions = ['r.schedule_id = $1'];
    if (after) conditions.push(afterPositionCondition({ time: 'r.due_at', id: 'r.id' }, after, parameters));
    const rows = rowsOf<RunRow & { list_position: string }>(
      await this.db.query(
        `SELECT ${RUN_COLUMNS}, r.due_at::text AS list_position
           FROM export_schedule_runs r LEFT JOIN export_jobs j ON j.id = r.job_id
          WHERE ${conditions.join(' AND ')}
          ORDER BY r.due_at DESC, r.id LIMIT $2`,
        parameters,
      ),
    );
    return pageOf(rows, limit, toRun);
  }

  /** Milliseconds until the earliest unpaused schedule is due (0: one is due); null without any. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await this.db.query<{ ms: number | null }[]>(
      `SELECT (EXTRACT(EPOCH FROM (MIN(next_run_at) - now())) * 1000)::float8 AS ms
         FROM export_schedules WHERE NOT paused`,
    );
    return row.ms === null ? null : Math.max(0, row.ms);
  }

  /**
   * Claims one due schedule, asks `decide` what to do, and records the decision (the run, the
   * missed runs, the next run time) in the same transaction. SKIP LOCKED lets several servers
   * claim at once: each due run is decided by exactly one of them. Null when nothing is due.
   */
  async claimDue(
    decide: (claim: DueClaim) => DueDecision,
  ): Promise<{ schedule: Schedule; run: ScheduleRun | null } | null> {
    return this.db.transaction(async (manager) => {
      const [row] = rowsOf<ScheduleRow & { db_now: Date }>(
        await manager.query(
          `SELECT ${SCHEDULE_COLUMNS}, now() AS db_now FROM export_schedules
            WHERE NOT paused AND next_run_at <= now()
            ORDER BY next_run_at LIMIT 1
            FOR UPDATE SKIP LOCKED`,
        ),
      );
      if (!row) return null;
      const [running] = rowsOf<{ job_id: string }>(
        await manager.query(
          `SELECT r.job_id FROM export_schedule_runs r JOIN export_jobs j ON j.id = r.job_id
            WHERE r.schedule_id = $1 AND j.status IN ('pending', 'running')
            ORDER BY r.due_at DESC LIMIT 1`,
          [row.id],
        ),
      );
      const decision = decide({
        schedule: toSchedule(row),
        now: row.db_now,
        runningJobId: running?.job_id ?? null,
      });
      const [updated] = rowsOf<ScheduleRow>(
        await manager.query(
          `UPDATE export_schedules SET next_run_at = $2, missed_runs = missed_runs + $3,
             last_missed_at = COALESCE($4, last_missed_at), last_run_at = COALESCE($5, last_run_at),
             updated_at = now()
            WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
          [row.id, decision.nextRunAt, decision.missed, decision.lastMissedAt, decision.run?.dueAt ?? null],
        ),
      );
      const run = decision.run ? await this.insertRun(manager, row.id, decision.run) : null;
      return { schedule: toSchedule(updated), run };
    });
  }

  private async insertRun(
    manager: EntityManager,
    scheduleId: string,
    run: NonNullable<DueDecision['run']>,
  ): Promise<ScheduleRun> {
    const [row] = rowsOf<RunRow>(
      await manager.query(
        `INSERT INTO export_schedule_runs AS r (id, schedule_id, due_at, outcome, detail, settled)
         VALUES ($1, $2, $3, $4, $5, $4 = 'skipped')
         RETURNING ${RUN_COLUMNS.replace('j.status', 'NULL::text')}`,
        [randomUUID(), scheduleId, run.dueAt, run.outcome, run.detail],
      ),
    );
    return toRun(row);
  }

  /**
   * The run got its job. Also when another server meanwhile found the run stuck and failed it (this
   * server took longer than JOB_LEASE): the job exists after all, so the run is started. False when
   * the run's record is gone (pruned, or its schedule deleted).
   */
  async recordStarted(runId: string, jobId: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `UPDATE export_schedule_runs SET outcome = 'started', job_id = $2, detail = NULL, settled = false
          WHERE id = $1 AND job_id IS NULL RETURNING id`,
        [runId, jobId],
      ),
    );
    return rows.length > 0;
  }

  /** No job could be created for the run (unless another server has already settled it meanwhile). */
  async recordFailed(runId: string, detail: string): Promise<void> {
    await this.db.query(
      `UPDATE export_schedule_runs SET outcome = 'failed', detail = $2, settled = true
        WHERE id = $1 AND outcome = 'starting'`,
      [runId, detail],
    );
  }

  /**
   * Settles one run left `starting` for longer than `olderThanMs`: the server that claimed it
   * stopped, or lost the database, before recording its job. `started` with the job that the run's
   * Idempotency-Key made, if that job was created; otherwise `failed` (STUCK_START_DETAIL). Null
   * when no run is stuck.
   */
  async resolveStuckStart(olderThanMs: number): Promise<ScheduleRun | null> {
    return this.db.transaction(async (manager) => {
      const [stuck] = rowsOf<{ id: string; schedule_id: string; due_at: Date; owner: string }>(
        await manager.query(
          `SELECT r.id, r.schedule_id, r.due_at, s.owner
             FROM export_schedule_runs r JOIN export_schedules s ON s.id = r.schedule_id
            WHERE r.outcome = 'starting' AND r.created_at < now() - $1 * interval '1 millisecond'
            ORDER BY r.created_at LIMIT 1
            FOR UPDATE OF r SKIP LOCKED`,
          [olderThanMs],
        ),
      );
      if (!stuck) return null;
      const made = await this.idempotencyKeys.find(
        manager,
        stuck.owner,
        runIdempotencyKey(stuck.schedule_id, stuck.due_at),
      );
      const [row] = rowsOf<RunRow>(
        await manager.query(
          `WITH resolved AS (
             UPDATE export_schedule_runs
                SET outcome = $2, job_id = $3, detail = $4, settled = $2 = 'failed'
              WHERE id = $1 RETURNING *)
           SELECT ${RUN_COLUMNS} FROM resolved r LEFT JOIN export_jobs j ON j.id = r.job_id`,
          made ? [stuck.id, 'started', made.jobId, null] : [stuck.id, 'failed', null, STUCK_START_DETAIL],
        ),
      );
      return toRun(row);
    });
  }

  /**
   * Claims one started run whose job has ended, and lets `settle` draw its consequences inside the
   * transaction that marks it settled (one server does it; the schedule's row is locked meanwhile).
   */
  async settleEndedRun(settle: (ended: EndedRun) => Promise<ChangeSummary | null>): Promise<EndedRun | null> {
    return this.db.transaction(async (manager) => {
      const [row] = rowsOf<RunRow>(
        await manager.query(
          `SELECT ${RUN_COLUMNS} FROM export_schedule_runs r JOIN export_jobs j ON j.id = r.job_id
            WHERE NOT r.settled AND r.outcome = 'started' AND j.status = ANY($1::text[])
            ORDER BY r.due_at LIMIT 1
            FOR UPDATE OF r SKIP LOCKED`,
          [[...FINISHED_STATUSES, 'expired']],
        ),
      );
      if (!row) return null;
      const [scheduleRow] = rowsOf<ScheduleRow>(
        await manager.query(`SELECT ${SCHEDULE_COLUMNS} FROM export_schedules WHERE id = $1 FOR UPDATE`, [
          row.schedule_id,
        ]),
      );
      const [previous] = rowsOf<{ job_id: string }>(
        await manager.query(
          `SELECT r.job_id FROM export_schedule_runs r JOIN export_jobs j ON j.id = r.job_id
            WHERE r.schedule_id = $1 AND r.due_at < $2 AND j.status = 'completed'
            ORDER BY r.due_at DESC LIMIT 1`,
          [row.schedule_id, row.due_at],
        ),
      );
      const ended: EndedRun = {
        run: toRun(row),
        schedule: toSchedule(scheduleRow),
        previousCompletedJobId: previous?.job_id ?? null,
      };
      const summary = row.job_status === 'completed' ? await settle(ended) : null;
      await manager.query(
        'UPDATE export_schedule_runs SET settled = true, change_summary = $2::jsonb WHERE id = $1',
        [row.id, summary === null ? null : JSON.stringify(summary)],
      );
      return ended;
    });
  }

  /**
   * Removes the records of a schedule's settled runs beyond its newest `keep_runs`, and answers
   * the jobs they had (to be expired). Unsettled runs (still going) are neither counted nor removed.
   */
  async pruneRuns(scheduleId: string): Promise<string[]> {
    const rows = rowsOf<{ job_id: string | null }>(
      await this.db.query(
        `DELETE FROM export_schedule_runs WHERE id IN (
           SELECT id FROM export_schedule_runs
            WHERE schedule_id = $1 AND settled
            ORDER BY due_at DESC OFFSET (SELECT keep_runs FROM export_schedules WHERE id = $1))
         RETURNING job_id`,
        [scheduleId],
      ),
    );
    return rows.flatMap((row) => (row.job_id ? [row.job_id] : []));
  }
}

function pageOf<R extends { id: string; list_position: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  // One more than asked was read: whether it exists says if there is a next page, without counting.
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(map),
    next: rows.length > limit && last ? { createdAt: last.list_position, id: last.id } : null,
  };
}
