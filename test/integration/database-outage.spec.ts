import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { binaryParser, readZip, sleep, waitForJob, waitForPhase } from '../support/jobs';
import { processesMatching } from '../support/processes';
import { killStartedServers, startServer } from '../support/server-process';
import { STANDIN_TERRAFORM } from '../support/standin';
import { TcpProxy } from '../support/tcp-proxy';
import { ENV_CREDENTIALS, startTestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The outage lasts this long: longer than JOB_LEASE, and the running exports end inside it. */
const OUTAGE_MS = 6000;

describe('a database outage (a TCP proxy between the server and PostgreSQL is cut, then restored)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let exportBaseDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    exportBaseDir = await mkdtemp(path.join(os.tmpdir(), 'export-server-outage-'));
  });
  afterAll(async () => {
    await killStartedServers();
    await proxy.close();
    await database.drop();
    await rm(exportBaseDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After (never 500), and every job ends right once the database is back', async () => {
    const server = await startServer({
      env: {
        ...ENV_CREDENTIALS,
        DATABASE_URL: proxy.route(database.url),
        EXPORT_BASE_DIR: exportBaseDir,
        TERRAFORM_BIN: STANDIN_TERRAFORM,
        MAX_CONCURRENT_JOBS: '2',
        JOB_LEASE: '3s',
      },
    });
    const http = () => server.http;
    // Two exports that finish during the outage, two that wait for a slot.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await http()
        .post('/api/v1/exports')
        .send({
          directory: `out${i}`,
          include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=3000'],
        });
      expect(created.status).toBe(202);
      ids.push(created.body.job_id);
    }
    await waitForJob(http(), ids[0], ['running']);
    await waitForJob(http(), ids[1], ['running']);

    proxy.cut();
    const answers: { status: number; retryAfter?: string; type?: string }[] = [];
    const outageEnd = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnd) {
      for (const req of [
        http().get(`/api/v1/exports/${ids[2]}`),
        http().get('/api/v1/exports'),
        http()
          .post('/api/v1/exports')
          .send({ include_filter_resources: ['genesyscloud_team'] }),
      ]) {
        const res = await req;
        answers.push({ status: res.status, retryAfter: res.headers['retry-after'], type: res.body?.type });
      }
      await sleep(500);
    }
    proxy.restore();
    const restoredAt = Date.now();

    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((a) => a.status !== 503)).toEqual([]);
    for (const answer of answers) {
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.type).toBe('urn:genesyscloud-export-server:problem:database-unavailable');
    }

    // Reconnects by itself.
    for (let i = 0; i < 200 && (await http().get(`/api/v1/exports/${ids[0]}`)).status === 503; i++)
      await sleep(50);
    console.log(
      `recovery: the API answered again ${Date.now() - restoredAt} ms after the database came back`,
    );

    for (const id of ids) {
      const job = await waitForJob(http(), id, ['completed', 'failed', 'cancelled'], { timeoutMs: 60_000 });
      expect({ id, status: job.status, error: job.error }).toEqual({ id, status: 'completed', error: null });
      const zip = await http().get(`/api/v1/exports/${id}/download`).buffer(true).parse(binaryParser);
      expect(zip.status).toBe(200);
      expect([...(await readZip(zip.body as Buffer)).keys()].length).toBeGreaterThan(0);
    }
    // The exports ended during the outage: their end was recorded only on a later attempt.
    expect(server.output).toMatch(/Could not record the end of job/);
    expect(server.running).toBe(true);
  });

  it('LISTEN itself comes back: after the outage a cancel made on another server still stops the exporter', async () => {
    // With a one-hour lease and fallback poll, neither the heartbeat nor the poll can notice the cancel
    // within this test: only a notification on the re-established LISTEN connection can.
    const slowPaths = { JOB_LEASE: '1h', SIGNAL_FALLBACK_POLL: '1h' };
    // The first test's server would take the job too (and learn of the cancel by its own heartbeat).
    await killStartedServers();
    const runner = await startServer({
      env: {
        ...ENV_CREDENTIALS,
        ...slowPaths,
        DATABASE_URL: proxy.route(database.url),
        EXPORT_BASE_DIR: exportBaseDir,
        TERRAFORM_BIN: STANDIN_TERRAFORM,
      },
    });
    const created = await runner.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] });
    expect(created.status).toBe(202);
    const id = created.body.job_id as string;
    await waitForPhase(runner.http, id, 'exporting');
    // Started only now, so that the job cannot be claimed by it: it is the server the cancel goes through.
    const other = await startTestApp({ database, env: { ...ENV_CREDENTIALS, ...slowPaths } });
    try {
      const workspace = path.join(exportBaseDir, '.runs', id, 'workspace');
      for (let i = 0; i < 100 && processesMatching(workspace).length === 0; i++) await sleep(100);
      expect(processesMatching(workspace).length).toBeGreaterThan(0);

      proxy.cut();
      for (let i = 0; i < 100 && !/Job signals connection lost/.test(runner.output); i++) await sleep(100);
      expect(runner.output).toMatch(/Job signals connection lost/);
      await sleep(1000);
      proxy.restore();
      for (let i = 0; i < 200 && !/Listening for job signals again/.test(runner.output); i++)
        await sleep(100);
      expect(runner.output).toMatch(/Listening for job signals again/);

      await other.http.delete(`/api/v1/exports/${id}`).expect(200);
      for (let i = 0; i < 300 && processesMatching(workspace).length > 0; i++) await sleep(100);
      expect(processesMatching(workspace)).toEqual([]);
      expect((await waitForJob(runner.http, id, ['cancelled'])).status).toBe('cancelled');
      expect(runner.running).toBe(true);
    } finally {
      await other.close();
    }
  });
});
