import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import {
  CredentialSource,
  ExportJob,
  FINISHED_STATUSES,
  JOB_STATUSES,
  JobStatus,
  ProgressDetail,
} from './export-job';
import { ExportJobEntity } from './export-job.entity';
import {
  CreateOutcome,
  IDEMPOTENCY_KEY_LIFETIME_MS,
  IdempotencyKey,
  JobListPage,
  JobListQuery,
  JobStore,
  NewJob,
  TransitionChanges,
} from './job-store';

/** Which timestamp column records entering each state. */
const ENTERED_AT: Partial<Record<JobStatus, keyof ExportJobEntity>> = {
  running: 'startedAt',
  completed: 'completedAt',
  failed: 'completedAt',
  cancelled: 'cancelledAt',
  expired: 'expiredAt',
};

@Injectable()
export class TypeOrmJobStore extends JobStore {
  constructor(@InjectRepository(ExportJobEntity) private readonly jobs: Repository<ExportJobEntity>) {
    super();
  }

  async create(job: NewJob, idempotencyKey?: IdempotencyKey): Promise<CreateOutcome> {
    return this.jobs.manager.transaction(async (manager) => {
      // One create at a time per owner, so neither check below can race another request.
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('export-create:' || $1))", [job.owner]);
      if (idempotencyKey) {
        const previous: { fingerprint: string; job_id: string }[] = await manager.query(
          `SELECT fingerprint, job_id FROM idempotency_keys
            WHERE owner = $1 AND key = $2 AND created_at > now() - $3 * interval '1 millisecond'`,
          [job.owner, idempotencyKey.key, IDEMPOTENCY_KEY_LIFETIME_MS],
        );
        if (previous.length > 0) {
          if (previous[0].fingerprint !== idempotencyKey.fingerprint) return { kind: 'key-reused' };
          const replayed = await manager.findOneByOrFail(ExportJobEntity, { id: previous[0].job_id });
          return { kind: 'replayed', job: toJob(replayed) };
        }
      }
      const duplicate = await manager
        .createQueryBuilder(ExportJobEntity, 'job')
        .where('job.owner = :owner', { owner: job.owner })
        .andWhere("job.status IN ('pending', 'running')")
        .andWhere('job.parameters = :parameters::jsonb', { parameters: JSON.stringify(job.parameters) })
        .orderBy('job.created_at', 'ASC')
        .getOne();
      if (duplicate) return { kind: 'conflict', job: toJob(duplicate) };

      const now = new Date();
      const created = await manager.save(
        manager.create(ExportJobEntity, {
          id: randomUUID(),
          status: 'pending',
          progress: 0,
          progressDetail: null,
          parameters: job.parameters,
          owner: job.owner,
          ownerKind: job.ownerKind,
          ownerId: job.ownerId,
          ownerName: job.ownerName,
          organizationId: job.organizationId,
          credentialSource: job.credentialSource,
          serverId: job.serverId,
          error: null,
          outcome: null,
          createdAt: now,
          updatedAt: now,
          startedAt: null,
          completedAt: null,
          cancelledAt: null,
          expiredAt: null,
        }),
      );
      if (idempotencyKey) {
        // An expired row with the same key is replaced.
        await manager.query(
          `INSERT INTO idempotency_keys (owner, key, fingerprint, job_id, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (owner, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, job_id = EXCLUDED.job_id,
             created_at = EXCLUDED.created_at`,
          [job.owner, idempotencyKey.key, idempotencyKey.fingerprint, created.id, now],
        );
      }
      return { kind: 'created', job: toJob(created) };
    });
  }

  async get(id: string): Promise<ExportJob | null> {
    const entity = await this.jobs.findOneBy({ id });
    return entity ? toJob(entity) : null;
  }

  async list(query: JobListQuery): Promise<JobListPage> {
    const { access } = query;
    const select = this.jobs
      .createQueryBuilder('job')
      .addSelect('job.created_at::text', 'list_position')
      // canAccess in SQL: own jobs (in the caller's organization), a verified token's jobs from
      // before verification, and with organization visibility every job of the organization.
      .where(
        new Brackets((visible) => {
          visible.where('(job.owner = :owner AND job.organization_id IS NOT DISTINCT FROM :organizationId)', {
            owner: access.owner,
            organizationId: access.organizationId,
          });
          if (access.tokenHash !== undefined) {
            visible.orWhere('(job.owner = :tokenHash AND job.organization_id IS NULL)', {
              tokenHash: access.tokenHash,
            });
          }
          if (access.wholeOrganization && access.organizationId !== null) {
            visible.orWhere('job.organization_id = :organizationId');
          }
        }),
      )
      .orderBy('job.created_at', 'DESC')
      .addOrderBy('job.id', 'ASC')
      // One more than asked: whether it exists says if there is a next page, without counting.
      .limit(query.limit + 1);
    if (query.status) select.andWhere('job.status = :status', { status: query.status });
    if (query.after) {
      // The first condition bounds the index scan; the second skips the ties already listed.
      select.andWhere(
        'job.created_at <= :afterAt::timestamptz AND (job.created_at < :afterAt::timestamptz OR job.id > :afterId)',
        {
          afterAt: query.after.createdAt,
          afterId: query.after.id,
        },
      );
    }
    const { entities, raw } = await select.getRawAndEntities<{ list_position: string }>();
    const jobs = entities.slice(0, query.limit).map(toJob);
    const last = jobs.at(-1);
    return {
      jobs,
      next:
        entities.length > query.limit && last
          ? { createdAt: raw[query.limit - 1].list_position, id: last.id }
          : null,
    };
  }

  async claimNextPending(serverId: string, heldCredentialJobIds: string[]): Promise<ExportJob | null> {
    // SKIP LOCKED lets several servers share one database without running a job twice.
    // For UPDATE, TypeORM's postgres driver answers [rows, rowCount].
    const [rows] = await this.jobs.query<[{ id: string }[], number]>(
      `UPDATE export_jobs SET status = 'running', server_id = $2, started_at = now(), updated_at = now()
        WHERE id = (
          SELECT id FROM export_jobs
           WHERE status = 'pending'
             AND (credential_source = 'environment' OR id = ANY($1::uuid[]))
           ORDER BY created_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [heldCredentialJobIds, serverId],
    );
    return rows.length > 0 ? this.get(rows[0].id) : null;
  }

  async transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    changes: TransitionChanges = {},
  ): Promise<ExportJob | null> {
    const now = new Date();
    const set: Partial<ExportJobEntity> = { status: to, updatedAt: now };
    const enteredAt = ENTERED_AT[to];
    if (enteredAt) Object.assign(set, { [enteredAt]: now });
    if (changes.progress !== undefined) set.progress = changes.progress;
    if (changes.error !== undefined) set.error = changes.error;
    if (changes.outcome !== undefined) set.outcome = changes.outcome;
    const result = await this.jobs
      .createQueryBuilder()
      .update(ExportJobEntity)
      .set(set)
      .where('id = :id AND status IN (:...from)', { id, from })
      .returning('id')
      .execute();
    return result.affected ? this.get(id) : null;
  }

  async recordProgress(id: string, progress: number, detail: ProgressDetail): Promise<void> {
    await this.jobs.query(
      `UPDATE export_jobs SET progress = GREATEST(progress, $2), progress_detail = $3, updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, progress, JSON.stringify(detail)],
    );
  }

  async jobsHeldBy(serverId: string, status: JobStatus, source?: CredentialSource): Promise<ExportJob[]> {
    const entities = await this.jobs.findBy({
      serverId,
      status,
      ...(source ? { credentialSource: source } : {}),
    });
    return entities.map(toJob);
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.jobs.query<{ status: JobStatus; count: number }[]>(
      'SELECT status, count::int AS count FROM export_job_counts',
    );
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  async cancelledAmong(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.jobs.query(
      `SELECT id FROM export_jobs WHERE id = ANY($1::uuid[]) AND status = 'cancelled'`,
      [ids],
    );
    return rows.map((row) => row.id);
  }

  async finishedBefore(cutoff: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.jobs.query(
      'SELECT id FROM export_jobs WHERE status = ANY($1::text[]) AND updated_at < $2',
      [FINISHED_STATUSES, cutoff],
    );
    return rows.map((row) => row.id);
  }

  async withoutLiveJob(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.jobs.query(
      `SELECT candidate AS id FROM unnest($1::uuid[]) AS candidate
        WHERE NOT EXISTS (SELECT 1 FROM export_jobs WHERE id = candidate AND status <> 'expired')`,
      [ids],
    );
    return rows.map((row) => row.id);
  }

  async forgetOldIdempotencyKeys(): Promise<number> {
    const [, count] = await this.jobs.query<[unknown, number]>(
      `DELETE FROM idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond'`,
      [IDEMPOTENCY_KEY_LIFETIME_MS],
    );
    return count;
  }

  async runExclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    return this.jobs.manager.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [name],
      );
      if (locked) await work();
      return locked;
    });
  }
}

function toJob(entity: ExportJobEntity): ExportJob {
  return {
    id: entity.id,
    status: entity.status,
    progress: entity.progress,
    progressDetail: entity.progressDetail,
    parameters: entity.parameters,
    owner: entity.owner,
    ownerKind: entity.ownerKind,
    ownerId: entity.ownerId,
    ownerName: entity.ownerName,
    organizationId: entity.organizationId,
    credentialSource: entity.credentialSource,
    error: entity.error,
    outcome: entity.outcome,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    startedAt: entity.startedAt,
    completedAt: entity.completedAt,
    cancelledAt: entity.cancelledAt,
    expiredAt: entity.expiredAt,
  };
}
