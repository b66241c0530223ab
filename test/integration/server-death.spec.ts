import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { sleep, waitForJob, waitForPhase, waitForRemoval } from '../support/jobs';
import { processesMatching } from '../support/processes';
import { startServer, useSharedServerState } from '../support/server-process';
import { STANDIN_TERRAFORM } from '../support/standin';
import { ENV_CREDENTIALS, startTestApp, TEST_TOKEN } from '../support/test-app';
import { withClient } from '../support/test-database';

/**
 * Two servers on one database and one export folder. One is killed with SIGKILL and never
 * restarted: the other must end its jobs (the lease runs out, its sweep fails them).
 */
describe('a server killed for good while another shares its database', () => {
  const state = useSharedServerState('death');

  const env = {
    ...ENV_CREDENTIALS,
    TERRAFORM_BIN: STANDIN_TERRAFORM,
    MAX_CONCURRENT_JOBS: '1',
    // Short, so the test is quick; long enough that a loaded machine still renews in time.
    JOB_LEASE: '3s',
  };
  const bearer = `Bearer ${TEST_TOKEN}`;

  it('its running job and its pending bearer-token job are failed by the survivor, and can be submitted again', async () => {
    const shared = { ...env, DATABASE_URL: state.database.url, EXPORT_BASE_DIR: state.exportBaseDir };
    const doomed = await startServer({ env: shared });
    const hanging = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] };
    const running = (await doomed.http.post('/api/v1/exports').send(hanging)).body.job_id as string;
    await waitForPhase(doomed.http, running, 'exporting');
    // The only slot is busy: this one waits, its token only in the doomed server's memory.
    const waiting = { include_filter_resources: ['genesyscloud_team'] };
    const pending = (await doomed.http.post('/api/v1/exports').set('Authorization', bearer).send(waiting))
      .body.job_id as string;
    const workspace = path.join(state.exportBaseDir, '.runs', running, 'workspace');
    for (let i = 0; i < 100 && processesMatching(workspace).length < 2; i++) await sleep(100);

    const survivor = await startServer({ env: shared });
    await doomed.kill();
    const killedAt = Date.now();

    const interrupted = await waitForJob(survivor.http, running, ['failed'], { timeoutMs: 30_000 });
    console.log(
      `detection: the running job of the killed server failed ${Date.now() - killedAt} ms after the kill`,
    );
    expect(interrupted.error).toMatch(/interrupted: the server running it stopped/);
    const abandoned = await waitForJob(survivor.http, pending, ['failed'], {
      auth: bearer,
      timeoutMs: 30_000,
    });
    expect(abandoned.error).toMatch(/stopped before it could start/);

    // Its leftovers on this host are gone: processes, workspace, partial export.
    for (let i = 0; i < 100 && processesMatching(workspace).length > 0; i++) await sleep(100);
    expect(processesMatching(workspace)).toEqual([]);
    // The sweep removes the workspace, then the partial export: wait (bounded) for both.
    const partial = path.join(state.exportBaseDir, running);
    await waitForRemoval([workspace, partial]);
    expect(existsSync(workspace)).toBe(false);
    expect(existsSync(partial)).toBe(false);

    // Submitting the same exports again is accepted, and they run on the survivor.
    const again = await survivor.http.post('/api/v1/exports').set('Authorization', bearer).send(waiting);
    expect(again.status).toBe(202);
    expect((await waitForJob(survivor.http, again.body.job_id, undefined, { auth: bearer })).status).toBe(
      'completed',
    );
    const retried = await survivor.http.post('/api/v1/exports').send(hanging);
    expect(retried.status).toBe(202);
    await survivor.http.delete(`/api/v1/exports/${retried.body.job_id}`).expect(200);
  });

  it('a job whose lease ran out no longer blocks an identical export (409)', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, JOB_LEASE: '1h' } });
    try {
      const body = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] };
      const first = (await t.http.post('/api/v1/exports').send(body)).body.job_id as string;
      await waitForJob(t.http, first, ['running']);
      expect((await t.http.post('/api/v1/exports').send(body)).status).toBe(409);
      // As if its server had stopped renewing: before any sweep, the job is no longer live.
      await withClient(t.databaseUrl, (c) =>
        c.query("UPDATE export_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [
          first,
        ]),
      );
      const second = await t.http.post('/api/v1/exports').send(body);
      expect(second.status).toBe(202);
      await t.http.delete(`/api/v1/exports/${second.body.job_id}`).expect(200);
      await t.http.delete(`/api/v1/exports/${first}`).expect(200);
    } finally {
      await t.dispose();
    }
  });

  it("another server's sweep enforces JOB_TIMEOUT on a job whose own server keeps renewing its lease", async () => {
    // The runner would let the job run for an hour; a server with a 2 s JOB_TIMEOUT ends it after 2 s
    // plus one lease, and the runner, told or finding that it no longer holds the job, stops its exporter.
    const runner = await startServer({
      env: {
        ...env,
        JOB_TIMEOUT: '1h',
        DATABASE_URL: state.database.url,
        EXPORT_BASE_DIR: state.exportBaseDir,
      },
    });
    const created = await runner.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] });
    const id = created.body.job_id as string;
    await waitForPhase(runner.http, id, 'exporting');
    // Started only now, so that it cannot claim the job itself: it must end the runner's job by its sweep.
    const strict = await startTestApp({
      database: state.database,
      env: { ...ENV_CREDENTIALS, JOB_TIMEOUT: '2s', JOB_LEASE: '3s' },
    });
    try {
      const workspace = path.join(state.exportBaseDir, '.runs', id, 'workspace');

      const ended = await waitForJob(strict.http, id, ['failed', 'completed', 'cancelled'], {
        timeoutMs: 30_000,
      });
      expect(ended.status).toBe('failed');
      expect(ended.error).toMatch(/ran longer than the job timeout \(JOB_TIMEOUT\)/);
      for (let i = 0; i < 200 && processesMatching(workspace).length > 0; i++) await sleep(100);
      expect(processesMatching(workspace)).toEqual([]);
      expect(runner.running).toBe(true);
      expect((await runner.http.get(`/api/v1/exports/${id}`)).body.status).toBe('failed');
    } finally {
      await strict.close();
    }
  });
});
