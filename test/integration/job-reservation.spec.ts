import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobEventRepository } from '../../src/audit/job-event.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ExportParameters } from '../../src/export-parameters/export-parameters';
import { IdempotencyKeyRepository } from '../../src/jobs/idempotency-keys';
import { JobRepository, NewJob } from '../../src/jobs/job-repository';
import { PostgresJobQueue } from '../../src/jobs/postgres-job-queue';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * The queue's SQL on a real PostgreSQL: a job its creator reserves for a slot of its own (the
 * insert that is its claim, JobWorker.admit) is claimed by no other server while the lease lasts,
 * and by any once it ran out; concurrent creates of one owner still find each other's duplicates.
 */
describe('job reservation and create (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let jobs: JobRepository;
  let queue: PostgresJobQueue;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await new DataSource({ ...dataSourceOptions(database.url), logging: false }).initialize();
    await db.runMigrations();
    jobs = new JobRepository(db, new IdempotencyKeyRepository(db));
    queue = new PostgresJobQueue(db);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });
  beforeEach(() => db.query('DELETE FROM export_jobs'));

  const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
    id: randomUUID(),
    parameters: { include_filter_resources: [`genesyscloud_user::${randomUUID()}`] },
    owner: 'service',
    ownerKind: 'service',
    ownerId: 'service',
    ownerName: null,
    organizationId: null,
    credentialSource: 'environment',
    serverId: 'server-a',
    leaseMs: 60_000,
    reserve: false,
    ...overrides,
  });

  it('a reserved job is claimed by no other server while its lease lasts, then by any', async () => {
    const reserved = await jobs.create(newJob({ reserve: true }));
    expect(reserved.kind).toBe('created');
    expect(await queue.claimNext('server-b', 60_000, [])).toBeNull();
    // Its creator moves it to running itself.
    const running = await queue.startReserved(
      reserved.kind === 'created' ? reserved.job.id : '',
      'server-a',
      60_000,
    );
    expect(running).toMatchObject({ status: 'running', serverId: 'server-a' });

    const abandoned = await jobs.create(newJob({ reserve: true }));
    if (abandoned.kind !== 'created') throw new Error(abandoned.kind);
    // Its creator died before it started it: once the lease ran out, any server takes it.
    await db.query(`UPDATE export_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [
      abandoned.job.id,
    ]);
    expect(await queue.startReserved(abandoned.job.id, 'server-b', 60_000)).toBeNull();
    expect(await queue.claimNext('server-b', 60_000, [])).toMatchObject({
      id: abandoned.job.id,
      serverId: 'server-b',
    });
  });

  it('an unreserved job is claimed by any server, and not started as reserved by its creator', async () => {
    const created = await jobs.create(newJob());
    if (created.kind !== 'created') throw new Error(created.kind);
    expect(created.job.leaseExpiresAt).toBeNull();
    expect(await queue.claimNext('server-b', 60_000, [])).toMatchObject({
      id: created.job.id,
      status: 'running',
    });
    expect(await queue.startReserved(created.job.id, 'server-a', 60_000)).toBeNull();
  });

  it('writes the job.created audit row with the job, in the same statement', async () => {
    // The audit trail's own statement for the event (AuditTrail.statementFor).
    const withEvent = {
      statement: (jobId: string, first: number, inserted: string) =>
        JobEventRepository.insertStatement(
          [{ occurredAt: new Date(), jobId, action: 'job.created', outcome: 'success' }],
          first,
          inserted,
        ),
    };
    const job = newJob();
    expect((await jobs.create(job, undefined, withEvent)).kind).toBe('created');
    // A duplicate creates no job, and so no row.
    const duplicate = await jobs.create({ ...job, id: randomUUID() }, undefined, withEvent);
    expect(duplicate).toMatchObject({ kind: 'conflict', job: { id: job.id } });
    const rows = await db.query<{ job_id: string }[]>(
      `SELECT job_id FROM job_events WHERE action = 'job.created'`,
    );
    expect(rows).toEqual([{ job_id: job.id }]);
  });

  it('concurrent creates of the same export by one owner make one job (the owner lock in the statement)', async () => {
    const parameters = { include_filter_resources: ['genesyscloud_group'] } as ExportParameters;
    // Connections open beforehand, so that the creates do run at once rather than one by one.
    await Promise.all(Array.from({ length: 10 }, () => db.query('SELECT pg_sleep(0.05)')));
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => jobs.create(newJob({ parameters }))));
    expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'conflict')).toHaveLength(outcomes.length - 1);
    const [{ count }] = await db.query<{ count: string }[]>('SELECT count(*) FROM export_jobs');
    expect(count).toBe('1');
  });
});
