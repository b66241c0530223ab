import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { waitForJob } from '../support/jobs';
import { startServer, useSharedServerState } from '../support/server-process';
import { until } from '../support/until';

/**
 * The workspace each server makes ahead for its next job (`.runs/.spare-*`): there once the server
 * is up, with the lock file and the run record; taken by a job and made again; gone when the
 * server stops, and, after a server was killed, removed by the next start on the same host.
 */
describe('the workspace made ahead', () => {
  const state = useSharedServerState('spare-workspace');
  const runsDir = () => path.join(state.exportBaseDir, '.runs');
  const spares = () => readdirSync(runsDir()).filter((name) => name.startsWith('.spare-'));
  const readySpares = () =>
    spares().filter((name) =>
      ['.terraform.lock.hcl', 'exporter-run.json'].every((file) =>
        existsSync(path.join(runsDir(), name, 'workspace', file)),
      ),
    );

  it('is ready once the server is, is taken by the next job and made again, and goes at shutdown', async () => {
    const server = await startServer({ env: state.serverEnv() });
    await until(() => readySpares().length === 1, 'a spare workspace with its lock file and run record');
    const [first] = readySpares();

    const created = await server.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user'] });
    expect(created.status).toBe(202);
    expect((await waitForJob(server.http, created.body.job_id as string)).status).toBe('completed');
    await until(() => readySpares().length === 1 && !spares().includes(first), 'the next spare');

    expect((await server.stop('SIGTERM')).code).toBe(0);
    expect(spares()).toEqual([]);
  });

  it("a killed server's spare is removed by the next start on the same host", async () => {
    const killed = await startServer({ env: state.serverEnv() });
    await until(() => readySpares().length === 1, 'a spare workspace');
    const [left] = spares();
    await killed.kill();
    expect(spares()).toEqual([left]);

    const next = await startServer({ env: state.serverEnv() });
    try {
      await until(
        () => !spares().includes(left) && readySpares().length === 1,
        "the dead server's spare removed",
      );
    } finally {
      await next.stop('SIGTERM');
    }
  });
});
