import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { sleep, waitForJob } from '../support/jobs';
import { processesMatching } from '../support/processes';
import { startServer, useSharedServerState } from '../support/server-process';
import { TEST_CLIENT_SECRET, TEST_TOKEN } from '../support/test-app';
import { withClient } from '../support/test-database';

/** Every text the server keeps: its log output, every table, every file under EXPORT_BASE_DIR. */
describe('credentials are never written down', () => {
  const state = useSharedServerState('secrets');

  it('neither the token nor the client secret appears in logs, the state.database or any file, even when the exporter echoes them', async () => {
    const server = await startServer({
      env: state.serverEnv({ LOG_LEVEL: 'trace' }),
    });
    const leaky = {
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:leak-secrets'],
    };
    const withToken = await server.http
      .post('/api/v1/exports')
      .set('Authorization', `Bearer ${TEST_TOKEN}`)
      .send(leaky);
    const withSecret = await server.http.post('/api/v1/exports').send(leaky);
    const failing = await server.http
      .post('/api/v1/exports')
      .set('Authorization', `Bearer ${TEST_TOKEN}`)
      .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:auth-fail'] });
    await waitForJob(server.http, withToken.body.job_id, undefined, { auth: `Bearer ${TEST_TOKEN}` });
    await waitForJob(server.http, withSecret.body.job_id);
    await waitForJob(server.http, failing.body.job_id, undefined, { auth: `Bearer ${TEST_TOKEN}` });
    for (const [id, auth] of [
      [withToken.body.job_id, `Bearer ${TEST_TOKEN}`],
      [withSecret.body.job_id, undefined],
    ]) {
      const req = server.http.get(`/api/v1/exports/${id}/logs`);
      if (auth) req.set('Authorization', auth);
      expect((await req).text).toMatch(/\[REDACTED\]/); // the exporter did try to log them
    }
    // A rejected request with the token in a malformed header.
    await server.http.get('/api/v1/exports').set('Authorization', `Token ${TEST_TOKEN}`).expect(401);
    // And an audited one (404) made with the token.
    await server.http
      .get('/api/v1/exports/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${TEST_TOKEN}`)
      .expect(404);
    await server.stop('SIGTERM');

    // The audit trail is also written as structured log lines, with the request's id.
    const audited = server.logLines().filter((line) => typeof line.audit === 'object');
    expect(audited.map((line) => (line.audit as { action: string }).action)).toEqual(
      expect.arrayContaining([
        'job.created',
        'job.started',
        'job.completed',
        'job.failed',
        'request.rejected',
      ]),
    );
    // Reads (the two log reads) are lines of the request log, not audit lines of their own.
    const logReads = server
      .logLines()
      .filter(
        (line) => line.msg === 'request completed' && /\/logs$/.test((line.req as { url: string }).url),
      );
    expect(logReads).toHaveLength(2);
    expect(audited.some((line) => (line.audit as { action: string }).action === 'job.log_read')).toBe(false);
    const created = audited.find(
      (line) => (line.audit as { jobId?: string }).jobId === withToken.body.job_id,
    );
    expect(created?.audit).toMatchObject({ requestId: withToken.headers['x-request-id'] });

    const places: [string, string][] = [['server output', server.output]];
    await withClient(state.database.url, async (client) => {
      const tables = await client.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
      );
      for (const { tablename } of tables.rows) {
        const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM ${tablename} t`);
        places.push([`table ${tablename}`, rows.rows.map((r) => r.row).join('\n')]);
      }
    });
    for (const entry of await readdir(state.exportBaseDir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) {
        const file = path.join(entry.parentPath, entry.name);
        places.push([file, await readFile(file, 'latin1')]);
      }
    }
    expect(places.length).toBeGreaterThan(5);
    const leaks = places
      .filter(([, text]) => text.includes(TEST_TOKEN) || text.includes(TEST_CLIENT_SECRET))
      .map(([where]) => where);
    expect(leaks).toEqual([]);
  });
  it('no file holds a credential while an exporter that echoes them runs, nor after the server is killed with SIGKILL', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'export-server-secrets-kill-'));
    const server = await startServer({
      // Its own export folder: what it leaves behind when killed is all that is searched.
      env: state.serverEnv({ EXPORT_BASE_DIR: folder }),
    });
    const bearer = `Bearer ${TEST_TOKEN}`;
    const leakyAndHanging = {
      include_filter_resources: [
        'genesyscloud_user',
        'genesyscloud_group::standin:leak-secrets',
        'genesyscloud_team::standin:hang',
      ],
    };
    try {
      const withToken = (
        await server.http.post('/api/v1/exports').set('Authorization', bearer).send(leakyAndHanging)
      ).body.job_id as string;
      const withSecret = (await server.http.post('/api/v1/exports').send(leakyAndHanging)).body
        .job_id as string;
      // Both exporters have echoed the credentials (the served log shows the redactions) and still run.
      for (const [id, auth] of [
        [withToken, bearer],
        [withSecret, undefined],
      ] as const) {
        let text = '';
        for (let i = 0; i < 200 && !text.includes('[REDACTED]'); i++) {
          const req = server.http.get(`/api/v1/exports/${id}/logs`);
          if (auth) req.set('Authorization', auth);
          text = (await req).text;
          if (!text.includes('[REDACTED]')) await sleep(100);
        }
        expect(text).toMatch(/\[REDACTED\]/);
        expect((await waitForJob(server.http, id, ['running'], { auth })).status).toBe('running');
      }
      const during = await scanForSecrets(folder);
      expect(during.scanned).toBeGreaterThan(3); // workspaces, logs, partial exports
      expect(during.leaks).toEqual([]);
      await server.kill();
      const after = await scanForSecrets(folder);
      expect(after.scanned).toBeGreaterThan(3);
      expect(after.leaks).toEqual([]);
    } finally {
      for (const { pid } of processesMatching(folder)) process.kill(pid, 'SIGKILL');
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/** Reads every file under `dir`: how many there are, and those holding the test token or client secret. */
async function scanForSecrets(dir: string): Promise<{ scanned: number; leaks: string[] }> {
  const leaks: string[] = [];
  let scanned = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'latin1').catch(() => '');
    scanned += 1;
    if (text.includes(TEST_TOKEN) || text.includes(TEST_CLIENT_SECRET)) leaks.push(file);
  }
  return { scanned, leaks };
}
