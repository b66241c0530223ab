import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { SqlPart } from '../database/sql-part';
import {
  ExportJob,
  ExportOutcome,
  FINISHED_STATUSES,
  isFinished,
  JOB_STATUSES,
  JobStatus,
} from './export-job';
import { IdempotencyKey, IdempotencyKeyRepository } from './idempotency-keys';
import { ENTERED_AT, JOB_COLUMNS, JobRow, rowsOf, toJob } from './job-rows';

const JOB_BY_ID = `SELECT ${JOB_COLUMNS} FROM export_jobs WHERE id = $1`;

/** What a new job is made of: its parameters and owner, and the server creating it. */
export type NewJob = Pick<
  ExportJob,
  | 'id'
  | 'parameters'
  | 'owner'
  | 'ownerKind'
  | 'ownerId'
  | 'ownerName'
  | 'organizationId'
  | 'credentialSource'
> & {
  /** The creating server, which alone holds a bearer token until the job runs. */
  serverId: string;
  /** A bearer-token job is leased to its creator for this long (renewed while it holds the token). */
  leaseMs: number;
  /**
   * The creating server holds a slot for the job, which it starts without a claim: the job is
   * reserved for that server under a lease, and no other server claims it while the lease lasts.
   */
  reserve: boolean;
};

export type CreateOutcome =
  | { kind: 'created'; job: ExportJob }
  /** The same key and body were seen before: the job that request created. */
  | { kind: 'replayed'; job: ExportJob }
  /** The same key came with another body. */
  | { kind: 'key-reused' }
  /** The owner already has an unfinished job with identical parameters. */
  | { kind: 'conflict'; job: ExportJob };

/** What is written with a new job (JobRepository.create). */
export interface CreatedAlongside {
  /**
   * A statement run as part of the job's insert (its record in the audit trail): given the job's
   * id, the number of its first parameter and the SQL condition that the job was inserted.
   */
  statement?: (jobId: string, first: number, inserted: string) => SqlPart;
  /** What else is written in the job's transaction (its webhook); only this and a key open one. */
  inTransaction?: (manager: EntityManager, job: ExportJob) => Promise<void>;
}

/**
 * Where a page of a job list ended: the last job's creation time as PostgreSQL prints it (all six
 * fractional digits, which a Date would lose) and its id, which breaks ties.
 */
export interface JobListPosition {
  createdAt: string;
  id: string;
}

/** Whose jobs a caller may see, read, cancel and download. */
export interface JobAccess {
  /** The caller's principal key; its jobs must also carry `organizationId`. */
  owner: string;
  /** The caller's Genesys Cloud organization (null: an unverified token or the service). */
  organizationId: string | null;
  /** A verified token's keyed hash: jobs that token created before tokens were verified are its too. */
  tokenHash?: string;
  /** Every job of `organizationId` is visible (JOB_VISIBILITY=organization). */
  wholeOrganization: boolean;
}

/** The one rule of job visibility; the store's list query applies the same rule in SQL. */
export function canAccess(job: Pick<ExportJob, 'owner' | 'organizationId'>, access: JobAccess): boolean {
  if (job.owner === access.owner && job.organizationId === access.organizationId) return true;
  if (access.tokenHash !== undefined && job.owner === access.tokenHash && job.organizationId === null)
    return true;
  return (
    access.wholeOrganization && access.organizationId !== null && job.organizationId === access.organizationId
  );
}

/**
 * canAccess in SQL, over a table with `owner` and `organization_id` columns: own rows (in the
 * caller's organization), a verified token's rows from before verification, and with organization
 * visibility every row of the organization. Appends its values to `parameters`.
 */
export function accessCondition(access: JobAccess, parameters: unknown[]): string {
  parameters.push(access.owner);
  const owner = `$${parameters.length}`;
  // `IS NULL`, not `IS NOT DISTINCT FROM`: the planner estimates the latter at one row and sorts
  // all the owner's rows instead of reading the list index (18 ms instead of 0.1 at 20k jobs).
  let organization: string | null = null;
  if (access.organizationId !== null) {
    parameters.push(access.organizationId);
    organization = `$${parameters.length}::text`;
  }
  const visible = [
    `(owner = ${owner} AND organization_id ${organization ? `= ${organization}` : 'IS NULL'})`,
  ];
  if (access.tokenHash !== undefined) {
    parameters.push(access.tokenHash);
    visible.push(`(owner = $${parameters.length} AND organization_id IS NULL)`);
  }
  if (access.wholeOrganization && organization) visible.push(`organization_id = ${organization}`);
  return `(${visible.join(' OR ')})`;
}

/**
 * Keyset pagination over `time DESC, id`: rows after `after`. The first condition bounds the
 * index scan; the second skips the ties already listed. Appends its values to `parameters`.
 */
export function afterPositionCondition(
  columns: { time: string; id: string },
  after: JobListPosition,
  parameters: unknown[],
): string {
  parameters.push(after.createdAt, after.id);
  const at = `$${parameters.length - 1}::timestamptz`;
  return `${columns.time} <= ${at} AND (${columns.time} < ${at} OR ${columns.id} > $${parameters.length}::uuid)`;
}

export interface JobListQuery {
  access: JobAccess;
  status?: JobStatus;
  limit: number;
  /** Continue after this job (keyset pagination); absent for the first page. */
  after?: JobListPosition;
}

export interface JobListPage {
  jobs: ExportJob[];
  /** Where the next page starts; null on the last page. */
  next: JobListPosition | null;
}

/** Fields a state change may set besides the status and its timestamp. */
export interface TransitionChanges {
  progress?: number;
  error?: string | null;
  outcome?: ExportOutcome;
}

/**
 * The export_jobs table as the API and the clean-up see it. Every state change names the states
 * it expects to leave (`UPDATE ... WHERE status IN (...)`), so a change that lost a race (a late
 * "completed" after "cancelled") is refused (null) instead of applied. Running jobs are changed by
 * their runner through the JobQueue.
 */
@Injectable()
export class JobRepository {
  constructor(
    private readonly db: DataSource,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
  ) {}

  /**
   * Creates a pending job unless the owner already has a live unfinished one with identical
   * parameters, or the Idempotency-Key was used before. Decided atomically per owner. A job whose
   * holder's lease ran out is not live: it is about to be failed by the sweep. What `alongside`
   * gives is written with the job, in one commit.
   */
  async create(
    job: NewJob,
    idempotencyKey?: IdempotencyKey,
    alongside: CreatedAlongside = {},
  ): Promise<CreateOutcome> {
    const insert = this.insertStatement(job, alongside.statement);
    const inTransaction = alongside.inTransaction;
    if (!idempotencyKey && !inTransaction) {
      // The common case in one statement, with no transaction to open and close around it, and
      // prepared: its text is the same for every such create.
      return this.outcomeOf(await preparedQuery(this.db, insert.sql, insert.values));
    }
    return this.db.transaction(async (manager) => {
      // One create at a time per owner (the insert takes the same lock), so the key is checked
      // and remembered without racing another request.
      await manager.query('SELECT export_jobs_lock_creates($1)', [job.owner]);
      if (idempotencyKey) {
        const previous = await this.idempotencyKeys.find(manager, job.owner, idempotencyKey.key);
        if (previous) {
          if (previous.fingerprint !== idempotencyKey.fingerprint) return { kind: 'key-reused' };
          const [replayed] = rowsOf<JobRow>(
            await manager.query(`SELECT ${JOB_COLUMNS} FROM export_jobs WHERE id = $1`, [previous.jobId]),
          );
          return { kind: 'replayed', job: toJob(replayed) };
        }
      }
      const outcome = this.outcomeOf(rowsOf(await manager.query(insert.sql, insert.values)));
      if (outcome.kind !== 'created') return outcome;
      if (idempotencyKey) await this.idempotencyKeys.remember(manager, job.owner, idempotencyKey, job.id);
      await inTransaction?.(manager, outcome.job);
      return outcome;
    });
  }

  /**
   * The duplicate check and the insert in one statement. export_jobs_live_duplicate waits for the
   * owner's create lock before it looks, with a snapshot of its own, so it sees every job created
   * under the lock before; the lock is held until this statement's transaction commits.
   */
  private insertStatement(job: NewJob, withJob: CreatedAlongside['statement']) {
    const values: unknown[] = [
      job.id,
      JSON.stringify(job.parameters),
      job.owner,
      job.credentialSource,
      job.serverId,
      job.leaseMs,
      job.ownerKind,
      job.ownerId,
      job.ownerName,
      job.organizationId,
      job.reserve,
    ];
    const extra = withJob?.(job.id, values.length + 1, 'EXISTS (SELECT 1 FROM inserted)');
    return {
      sql: `WITH duplicate AS (
              SELECT ${JOB_COLUMNS} FROM export_jobs_live_duplicate($3, $2::jsonb)),
            inserted AS (
              INSERT INTO export_jobs (id, status, progress, parameters, owner, owner_kind, owner_id, owner_name,
                organization_id, credential_source, server_id, lease_expires_at, created_at, updated_at)
              SELECT $1, 'pending', 0, $2::jsonb, $3, $7, $8, $9, $10, $4::text, $5,
                CASE WHEN $4::text = 'bearer' OR $11::boolean THEN now() + $6 * interval '1 millisecond' END,
                now(), now()
               WHERE NOT EXISTS (SELECT 1 FROM duplicate)
              RETURNING ${JOB_COLUMNS})${
                extra
                  ? `,
            alongside AS (${extra.sql})`
                  : ''
              }
            SELECT *, false AS created FROM duplicate UNION ALL SELECT *, true AS created FROM inserted`,
      values: [...values, ...(extra?.values ?? [])],
    };
  }

  private outcomeOf([row]: (JobRow & { created: boolean })[]): CreateOutcome {
    return { kind: row.created ? 'created' : 'conflict', job: toJob(row) };
  }

  async get(id: string): Promise<ExportJob | null> {
    const [row] = await preparedQuery<JobRow>(this.db, JOB_BY_ID, [id]);
    return row ? toJob(row) : null;
  }

  /** A page of the jobs `access` may see, newest first (ties by id), found through the list index whatever its depth. */
  async list(query: JobListQuery): Promise<JobListPage> {
    const parameters: unknown[] = [query.limit + 1];
    const conditions = [accessCondition(query.access, parameters)];
    if (query.status) {
      parameters.push(query.status);
      conditions.push(`status = $${parameters.length}`);
    }
    if (query.after)
      conditions.push(afterPositionCondition({ time: 'created_at', id: 'id' }, query.after, parameters));
    // One more than asked: whether it exists says if there is a next page, without counting. A
    // named statement: its text is one of a few (which conditions apply), and every plan reads
    // the list index, so PostgreSQL need not plan it again for each page.
    const rows = await preparedQuery<JobRow & { list_position: string }>(
      this.db,
      `SELECT ${JOB_COLUMNS}, created_at::text AS list_position FROM export_jobs
        WHERE ${conditions.join(' AND ')}
        ORDER BY created_at DESC, id LIMIT $1`,
      parameters,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      jobs: page.map(toJob),
      next: rows.length > query.limit && last ? { createdAt: last.list_position, id: last.id } : null,
    };
  }

  /** Moves a job from one of `from` to `to`; null when the job was not in one of `from`. */
  async transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    changes: TransitionChanges = {},
  ): Promise<ExportJob | null> {
    const enteredAt = ENTERED_AT[to];
    const [row] = rowsOf<JobRow>(
      await this.db.query(
        `UPDATE export_jobs SET status = $3::text, updated_at = now()${enteredAt ? `, ${enteredAt} = now()` : ''},
           progress = COALESCE($4, progress),
           error = CASE WHEN $5 THEN $6 ELSE error END,
           outcome = COALESCE($7::jsonb, outcome),
           lease_expires_at = CASE WHEN $8 THEN NULL ELSE lease_expires_at END
          WHERE id = $1 AND status = ANY($2::text[])
          RETURNING ${JOB_COLUMNS}`,
        [
          id,
          from,
          to,
          changes.progress ?? null,
          changes.error !== undefined,
          changes.error ?? null,
          changes.outcome ? JSON.stringify(changes.outcome) : null,
          isFinished(to),
        ],
      ),
    );
    return row ? toJob(row) : null;
  }

  /** How many jobs are in each state, every state included (0 when none); kept as counters, not counted. */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = rowsOf<{ status: JobStatus; count: number }>(
      await this.db.query('SELECT status, count::int AS count FROM export_job_counts'),
    );
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /** Ids of jobs that finished (completed, failed, cancelled) before `cutoff`. */
  async finishedBefore(cutoff: Date): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query('SELECT id FROM export_jobs WHERE status = ANY($1::text[]) AND updated_at < $2', [
        FINISHED_STATUSES,
        cutoff,
      ]),
    );
    return rows.map((row) => row.id);
  }

  /** Of `ids`, those with no job or an expired one: their folders belong to nobody. */
  async withoutLiveJob(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `SELECT candidate AS id FROM unnest($1::uuid[]) AS candidate
          WHERE NOT EXISTS (SELECT 1 FROM export_jobs WHERE id = candidate AND status <> 'expired')`,
        [ids],
      ),
    );
    return rows.map((row) => row.id);
  }
}
