import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import TestAgent from 'supertest/lib/agent';
import { sleep, waitForJob } from '../support/jobs';
import { RunBody, runsOf, waitForRuns } from '../support/schedules';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

/** Runs every 2 s: the shortest that SCHEDULE_MIN_INTERVAL=2s allows, so the tests see many runs quickly. */
const EVERY_TWO_SECONDS = '*/2 * * * * *';
const FAST_ENV = { ...ENV_CREDENTIALS, SCHEDULE_MIN_INTERVAL: '2s' };
const FAST_EXPORT = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group'] };

async function createSchedule(http: TestAgent, body: object): Promise<string> {
  const res = await http.post('/api/v1/schedules').send({
    name: 'every two seconds',
    cron: EVERY_TWO_SECONDS,
    time_zone: 'UTC',
    export: FAST_EXPORT,
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body.schedule_id as string;
}

/** Pauses the schedule and waits until every run has its job and every job has ended; the runs, latest first. */
async function pause(http: TestAgent, id: string): Promise<RunBody[]> {
  expect((await http.patch(`/api/v1/schedules/${id}`).send({ paused: true })).status).toBe(200);
  const runs = await waitForRuns(http, id, (seen) => seen.every((run) => run.outcome !== 'starting'));
  for (const run of runs)
    if (run.job_id) await waitForJob(http, run.job_id, ['completed', 'failed', 'cancelled', 'expired']);
  return runs;
}

const started = (runs: RunBody[]) => runs.filter((run) => run.outcome === 'started');

describe('scheduled runs (real HTTP, PostgreSQL and the Terraform stand-in)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_ENV });
  });
  afterAll(() => t.dispose());

  it('each due run starts one ordinary export job, owned like the schedule; later completed runs have a change summary', async () => {
    const id = await createSchedule(t.http, { keep_runs: 10 });
    await waitForRuns(t.http, id, (seen) => started(seen).length >= 2);
    await pause(t.http, id);
    const completedOldestFirst = (seen: RunBody[]) =>
      started(seen)
        .filter((run) => run.job_status === 'completed')
        .reverse();
    const runs = await waitForRuns(t.http, id, (seen) => {
      const completed = completedOldestFirst(seen);
      return completed.length >= 2 && completed.slice(1).every((run) => run.changes !== null);
    });
    for (const run of started(runs)) {
      // Due on the cron's own seconds; its job is an ordinary one, in the export list of the schedule's owner.
      expect(new Date(run.due_at).getUTCSeconds() % 2).toBe(0);
      const job = await t.http.get(`/api/v1/exports/${run.job_id}`).set('Prefer', 'return=representation');
      expect(job.status).toBe(200);
      expect(job.body.parameters).toEqual(FAST_EXPORT);
      expect(job.body.owner).toEqual({ kind: 'service', id: 'service', name: null, organization_id: null });
    }
    expect(new Set(started(runs).map((run) => run.job_id)).size).toBe(started(runs).length);
    // The first completed run has nothing to compare with; the next compare with the one before it,
    // an export of the same fake org: a summary with no changes.
    const [firstCompleted, ...later] = completedOldestFirst(runs);
    expect(firstCompleted.changes).toBeNull();
    for (const run of later) expect(run.changes).toEqual({});
    const schedule = await t.http.get(`/api/v1/schedules/${id}`);
    expect(schedule.body.last_run_at).toBe(runs[0].due_at);
    expect(schedule.body.missed_runs).toEqual({ count: 0, last_missed_at: null });
  });

  it("a change in the org between two runs shows in the later run's changes, per resource type", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'schedule-org-'));
    const orgFile = path.join(folder, 'org-edits.txt');
    // The same parameters for every run; the stand-in reads the org's changes from the file.
    const watched = {
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group'],
      replace_with_datasource: [`genesyscloud_group::standin:org-file=${orgFile}`],
    };
    try {
      const id = await createSchedule(t.http, { export: watched, keep_runs: 10 });
      const completedOnes = (seen: RunBody[]) =>
        started(seen).filter((run) => run.job_status === 'completed');
      await waitForRuns(t.http, id, (seen) => completedOnes(seen).length >= 1);
      const before = await pause(t.http, id);
      await writeFile(
        orgFile,
        [
          'genesyscloud_user::standin:extra=2',
          'genesyscloud_user::standin:set=1.title=Head of Support',
          'genesyscloud_group::standin:without=1',
        ].join('\n'),
      );
      expect((await t.http.patch(`/api/v1/schedules/${id}`).send({ paused: false })).status).toBe(200);
      // The first run completed after the edit (runs come every 2 s, so later ones may have
      // completed too by the time this looks; they compare with that first one and show nothing).
      const earlier = new Set(before.map((run) => run.job_id));
      const firstAfterEdit = (seen: RunBody[]) =>
        completedOnes(seen)
          .filter((run) => !earlier.has(run.job_id))
          .at(-1);
      const after = await waitForRuns(t.http, id, (seen) => (firstAfterEdit(seen)?.changes ?? null) !== null);
      await pause(t.http, id);
      expect(firstAfterEdit(after)?.changes).toEqual({
        genesyscloud_user: { added: 2, removed: 0, changed: 1, renamed: 0 },
        genesyscloud_group: { added: 0, removed: 1, changed: 0, renamed: 0 },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a run due while the previous run is still going is skipped and recorded as skipped; runs never overlap', async () => {
    // Each export takes about 5 s, so the runs due 2 and 4 s after a start find it running.
    const slow = {
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=5000'],
    };
    const id = await createSchedule(t.http, { export: slow });
    await waitForRuns(
      t.http,
      id,
      (seen) => started(seen).length >= 2 && seen.some((run) => run.outcome === 'skipped'),
    );
    const runs = (await pause(t.http, id)).reverse();
    const jobs = new Map<string, { created_at: string; completed_at: string }>();
    for (const run of started(runs)) {
      const job = await waitForJob(t.http, run.job_id!);
      jobs.set(run.job_id!, { created_at: String(job.created_at), completed_at: String(job.completed_at) });
    }
    let running: string | null = null;
    for (const run of runs) {
      if (run.outcome === 'skipped') {
        expect(running).not.toBeNull();
        expect(run.detail).toBe(`The previous run's export job ${running} was still going.`);
        expect(run.job_id).toBeNull();
        // The job it names had not ended when this run was due.
        expect(Date.parse(jobs.get(running!)!.completed_at)).toBeGreaterThan(Date.parse(run.due_at));
      } else {
        expect(run.outcome).toBe('started');
        // A run starts only once the previous run's job has ended.
        const job = jobs.get(run.job_id!)!;
        if (running)
          expect(Date.parse(jobs.get(running)!.completed_at)).toBeLessThanOrEqual(Date.parse(job.created_at));
        running = run.job_id;
      }
    }
  });

  it('keeps keep_runs finished runs: older runs lose their record and their job expires', async () => {
    const id = await createSchedule(t.http, { keep_runs: 2 });
    const oldest = started(await waitForRuns(t.http, id, (runs) => started(runs).length >= 1)).at(-1)!;
    // Once two later runs have ended, the first is beyond the two kept.
    await waitForRuns(t.http, id, (runs) => !runs.some((run) => run.run_id === oldest.run_id));
    await pause(t.http, id);
    // Two settled runs are kept; a run is settled shortly after its job ended.
    await waitForRuns(t.http, id, (runs) => runs.length === 2);
    const expired = await waitForJob(t.http, oldest.job_id!, ['expired']);
    expect(expired.status).toBe('expired');
    expect((await t.http.get(`/api/v1/exports/${oldest.job_id}/results`)).status).toBe(410);
  });
});

describe('downtime: missed runs are counted, not replayed', () => {
  let first: TestApp;
  let second: TestApp | undefined;

  beforeAll(async () => {
    first = await startTestApp({ env: FAST_ENV });
  });
  afterAll(async () => {
    await second?.close();
    await first.dispose();
  });

  it('after a restart the next run is on time; the schedule shows how many were missed and the latest', async () => {
    const id = await createSchedule(first.http, {});
    await waitForRuns(first.http, id, (runs) => started(runs).length >= 1);
    await first.close();
    const stoppedAt = Date.now();
    // Not an assertion: long enough for several runs to come due with no server up.
    await sleep(7_000);
    const reopeningAt = Date.now();
    second = await startTestApp({
      env: FAST_ENV,
      database: first.database,
      exportBaseDir: first.exportBaseDir,
    });
    const restartedAt = Date.now();
    const runsBefore = await runsOf(second.http, id);
    await waitForRuns(second.http, id, (seen) => started(seen).length > started(runsBefore).length);
    await pause(second.http, id);
    const schedule = (await second.http.get(`/api/v1/schedules/${id}`)).body;
    // At least the runs due in the 7 s no server was up, less the 2 s a run may start late; the latest
    // of them is from that gap.
    expect(schedule.missed_runs.count).toBeGreaterThanOrEqual(2);
    const lastMissed = Date.parse(schedule.missed_runs.last_missed_at);
    expect(lastMissed).toBeGreaterThan(stoppedAt - 2000);
    expect(lastMissed).toBeLessThan(restartedAt);
    // Nothing was replayed: no run is recorded for a time in the gap (a run may start up to 2 s late).
    for (const run of await runsOf(second.http, id)) {
      const due = Date.parse(run.due_at);
      expect(due <= stoppedAt || due >= reopeningAt - 2000).toBe(true);
    }
  });
});
