import { sleep, waitForJob } from '../support/jobs';
import { waitForRuns } from '../support/schedules';
import { startServer, useSharedServerState } from '../support/server-process';

/** Two server processes on one database and export folder, both running the scheduler. */
describe('one schedule, two servers', () => {
  const state = useSharedServerState('schedules');

  it('every due run is started exactly once, by one of them', async () => {
    const env = state.serverEnv({ SCHEDULE_MIN_INTERVAL: '2s', LOG_LEVEL: 'info' });
    const [one, two] = await Promise.all([startServer({ env }), startServer({ env })]);
    const created = await one.http.post('/api/v1/schedules').send({
      name: 'every two seconds',
      cron: '*/2 * * * * *',
      time_zone: 'UTC',
      keep_runs: 100,
      export: { include_filter_resources: ['genesyscloud_user'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.schedule_id as string;

    const runsPath = `/api/v1/schedules/${id}/runs?limit=100`;
    const deadline = Date.now() + 60_000;
    while (
      (await two.http.get(runsPath)).body.runs.filter((run: { outcome: string }) => run.outcome === 'started')
        .length < 6
    ) {
      if (Date.now() > deadline) throw new Error('fewer than 6 runs started within 60 s');
      await sleep(250);
    }
    expect((await two.http.patch(`/api/v1/schedules/${id}`).send({ paused: true })).status).toBe(200);
    const runs = (await one.http.get(runsPath)).body.runs as {
      due_at: string;
      outcome: string;
      job_id: string | null;
    }[];
    for (const run of runs) if (run.job_id) await waitForJob(one.http, run.job_id);

    // One record per due time, and each started run has a job of its own.
    const dueTimes = runs.map((run) => run.due_at);
    expect(new Set(dueTimes).size).toBe(dueTimes.length);
    const startedJobs = runs.flatMap((run) => (run.outcome === 'started' ? [run.job_id] : []));
    expect(new Set(startedJobs).size).toBe(startedJobs.length);
    // No job besides them: neither server started a run twice.
    const listed = (await one.http.get('/api/v1/exports?limit=100')).body.jobs.map(
      (job: { job_id: string }) => job.job_id,
    );
    expect([...listed].sort()).toEqual([...startedJobs].sort());
    // Which server started which run, from their logs.
    const startedBy = (server: typeof one) =>
      server
        .logLines()
        .filter((line) => typeof line.msg === 'string' && line.msg.includes(`Schedule ${id}: the run due`))
        .length;
    const byOne = startedBy(one);
    const byTwo = startedBy(two);
    console.log(
      `two servers: ${startedJobs.length} runs started, ${byOne} by one server and ${byTwo} by the other`,
    );
    expect(byOne + byTwo).toBe(startedJobs.length);

    // Each completed run after the first has its change summary, whichever server ran it and the
    // one before it: the same fake org every time, so no changes.
    const summarised = await waitForRuns(two.http, id, (seen) =>
      seen
        .filter((run) => run.job_status === 'completed')
        .slice(0, -1)
        .every((run) => run.changes !== null),
    );
    const completed = summarised.filter((run) => run.job_status === 'completed');
    expect(completed.length).toBeGreaterThanOrEqual(2);
    expect(completed.at(-1)?.changes).toBeNull();
    for (const run of completed.slice(0, -1)) expect(run.changes).toEqual({});
  });
});
