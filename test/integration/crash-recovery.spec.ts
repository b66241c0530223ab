import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { binaryParser, readZip, sleep, waitForJob, waitForPhase } from '../support/jobs';
import { processesMatching } from '../support/processes';
import { startServer, useSharedServerState } from '../support/server-process';
import { withClient } from '../support/test-database';

describe('crash recovery (server killed with SIGKILL mid-export)', () => {
  const state = useSharedServerState('crash');

  it('fails the running job, kills its exporter, runs the pending one, keeps completed downloads', async () => {
    const env = state.serverEnv({ MAX_CONCURRENT_JOBS: '1' });
    const first = await startServer({ env });
    const http = first.http;

    const completed = (
      await http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_user'] })
    ).body.job_id;
    await waitForJob(http, completed);
    const running = (
      await http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] })
    ).body.job_id;
    await waitForPhase(http, running, 'exporting');
    const pending = (
      await http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_team'] })
    ).body.job_id;
    const workspace = path.join(state.exportBaseDir, '.runs', running, 'workspace');
    for (let i = 0; i < 100 && processesMatching(workspace).length < 2; i++) await sleep(100);
    expect(processesMatching(workspace).length).toBeGreaterThanOrEqual(2); // terraform and its provider

    await first.kill();
    // The exporter outlives the server: this is what recovery has to clean up. (It outlives it only
    // while it writes nothing to the dead server's pipes, as Terraform would die of SIGPIPE; hence the
    // wait above for the provider's read phase, where terraform prints nothing for 10 s.)
    expect(processesMatching(workspace).length).toBeGreaterThanOrEqual(2);

    const second = await startServer({ env });
    const interrupted = await waitForJob(second.http, running);
    expect(interrupted.status).toBe('failed');
    expect(interrupted.error).toMatch(/interrupted: the server running it stopped/);
    expect(processesMatching(workspace)).toEqual([]);
    expect(existsSync(workspace)).toBe(false);
    expect(existsSync(path.join(state.exportBaseDir, running))).toBe(false);

    expect((await waitForJob(second.http, pending)).status).toBe('completed');
    const zip = await second.http
      .get(`/api/v1/exports/${completed}/download`)
      .buffer(true)
      .parse(binaryParser);
    expect(zip.status).toBe(200);
    expect([...(await readZip(zip.body)).keys()]).toEqual(['genesyscloud/genesyscloud.tf.json']);

    const stuck = await withClient(state.database.url, (c) =>
      c.query("SELECT id FROM export_jobs WHERE status = 'running'"),
    );
    expect(stuck.rows).toEqual([]);
  });
});
