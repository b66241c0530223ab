import { randomUUID } from 'node:crypto';
import { waitForJob } from '../support/jobs';
import { waitForRuns } from '../support/schedules';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { withClient } from '../support/test-database';

const EXPORT = { include_filter_resources: ['genesyscloud_user'] };

/** A due time on a whole second, `secondsAgo` before now. */
const dueSecondsAgo = (secondsAgo: number) => new Date(Math.floor(Date.now() / 1000 - secondsAgo) * 1000);

/**
 * A server that dies between claiming a due run (its row written as `starting`) and recording the
 * run's job leaves the run `starting`. Killing a server at exactly that moment cannot be timed, so
 * the test writes the rows such a server leaves behind, then starts a server on the same database.
 */
describe('runs left starting by a server that stopped', () => {
  let first: TestApp;
  let second: TestApp | undefined;
  afterAll(async () => {
    await second?.close();
    await first.dispose();
  });

  it('a later server settles each one past JOB_LEASE: started with the job its Idempotency-Key made, otherwise failed', async () => {
    first = await startTestApp({ env: ENV_CREDENTIALS });
    // Due once a year: no run of its own comes in between.
    const created = await first.http
      .post('/api/v1/schedules')
      .send({ name: 'yearly', cron: '0 3 1 1 *', time_zone: 'UTC', export: EXPORT });
    expect(created.status).toBe(201);
    const id = created.body.schedule_id as string;

    const withJob = dueSecondsAgo(120);
    const withoutJob = dueSecondsAgo(180);
    const justClaimed = dueSecondsAgo(1);
    // One dying server got as far as creating the run's job through the create path, with the
    // run's Idempotency-Key (the schedule and the due time), as the schedule's owner...
    const job = await first.http
      .post('/api/v1/exports')
      .set('Idempotency-Key', `schedule:${id}:${withJob.toISOString()}`)
      .send(EXPORT);
    expect(job.status).toBe(202);
    await waitForJob(first.http, job.body.job_id as string);
    await first.close();
    // ...and every one had written its run as `starting` when it claimed it, minutes ago. The
    // third was claimed just now: its server may still be creating the job.
    await withClient(first.databaseUrl, (client) =>
      client.query(
        `INSERT INTO export_schedule_runs (id, schedule_id, due_at, outcome, created_at) VALUES
           ($1, $4, $5, 'starting', now() - interval '2 minutes'),
           ($2, $4, $6, 'starting', now() - interval '3 minutes'),
           ($3, $4, $7, 'starting', now())`,
        [randomUUID(), randomUUID(), randomUUID(), id, withJob, withoutJob, justClaimed],
      ),
    );

    second = await startTestApp({
      env: ENV_CREDENTIALS,
      database: first.database,
      exportBaseDir: first.exportBaseDir,
    });
    const runs = await waitForRuns(
      second.http,
      id,
      (seen) =>
        seen.filter((run) => run.outcome !== 'starting').length === 2 && seen[1].job_status === 'completed',
      20_000,
    );
    expect(runs).toEqual([
      expect.objectContaining({ due_at: justClaimed.toISOString(), outcome: 'starting', job_id: null }),
      expect.objectContaining({
        due_at: withJob.toISOString(),
        outcome: 'started',
        job_id: job.body.job_id,
        job_status: 'completed',
        detail: null,
        changes: null,
      }),
      {
        run_id: expect.any(String),
        due_at: withoutJob.toISOString(),
        outcome: 'failed',
        job_id: null,
        job_status: null,
        detail: expect.stringMatching(/stopped \(or lost the database\) before it created the export job/),
        changes: null,
        created_at: expect.any(String),
      },
    ]);
    // No job was started for the failed run, nor a second one for the other.
    const jobs = (await second.http.get('/api/v1/exports')).body.jobs as { job_id: string }[];
    expect(jobs.map((listed) => listed.job_id)).toEqual([job.body.job_id]);
  });
});
