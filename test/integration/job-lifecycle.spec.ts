import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { processesMatching } from '../support/processes';
import { sleep, waitForJob, waitForRemoval } from '../support/jobs';
import { STANDIN_TERRAFORM } from '../support/standin';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const HANG = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] };
const QUICK = { include_filter_resources: ['genesyscloud_user'] };

function exporterProcesses(t: TestApp, jobId: string) {
  return processesMatching(path.join(t.exportBaseDir, '.runs', jobId));
}

async function waitForExporter(t: TestApp, jobId: string) {
  for (let i = 0; i < 100; i++) {
    if (exporterProcesses(t, jobId).length >= 2) return; // terraform and its provider
    await sleep(100);
  }
  throw new Error('the exporter never started');
}

describe('cancel and timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...ENV_CREDENTIALS, MAX_CONCURRENT_JOBS: '1', JOB_TIMEOUT: '20s' } });
  });
  afterAll(() => t.dispose());

  it('cancelling a running job stops its exporter (no process left) and removes its files', async () => {
    const id = (await t.http.post('/api/v1/exports').send(HANG)).body.job_id;
    await waitForJob(t.http, id, ['running']);
    await waitForExporter(t, id);

    const res = await t.http.delete(`/api/v1/exports/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job_id: id, status: 'cancelled', cancelled_at: expect.any(String) });
    expect(res.headers['job-status']).toBe('cancelled');

    for (let i = 0; i < 50 && exporterProcesses(t, id).length > 0; i++) await sleep(100);
    expect(exporterProcesses(t, id)).toEqual([]);
    const job = await waitForJob(t.http, id);
    expect(job.status).toBe('cancelled');
    await sleep(300);
    await waitForRemoval([path.join(t.exportBaseDir, id)]);
    expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
    expect((await t.http.get(`/api/v1/exports/${id}/results`)).status).toBe(409);
    expect((await t.http.get(`/api/v1/exports/${id}/download`)).status).toBe(404);
  });

  it('cancelling a pending job: it never runs, and the next one does', async () => {
    const blocker = (await t.http.post('/api/v1/exports').send(HANG)).body.job_id;
    const pending = (await t.http.post('/api/v1/exports').send({ ...QUICK, directory: 'pending' })).body
      .job_id;
    const after = (await t.http.post('/api/v1/exports').send({ ...QUICK, directory: 'after' })).body.job_id;
    await waitForJob(t.http, blocker, ['running']);
    expect((await waitForJob(t.http, pending, ['pending'])).status).toBe('pending');

    const res = await t.http.delete(`/api/v1/exports/${pending}`);
    expect(res.status).toBe(200);
    await t.http.delete(`/api/v1/exports/${blocker}`).expect(200);

    expect((await waitForJob(t.http, after)).status).toBe('completed');
    const cancelled = await waitForJob(t.http, pending);
    expect(cancelled).toMatchObject({ status: 'cancelled', started_at: null });
  });

  it('DELETE on a finished job answers 204 with its state in Job-Status', async () => {
    const id = (await t.http.post('/api/v1/exports').send(QUICK)).body.job_id;
    await waitForJob(t.http, id);
    const res = await t.http.delete(`/api/v1/exports/${id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['job-status']).toBe('completed');
    expect(res.headers.link).toBe(`</api/v1/exports/${id}/results>; rel="results"`);
    // Still downloadable: a late cancel changes nothing.
    expect((await t.http.get(`/api/v1/exports/${id}/download`)).status).toBe(200);

    const again = await t.http.delete(`/api/v1/exports/${id}`).set('Prefer', 'return=representation');
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('completed');
  });

  it('results answers 204 with a Link to the job while it runs', async () => {
    const id = (await t.http.post('/api/v1/exports').send(HANG)).body.job_id;
    const res = await t.http.get(`/api/v1/exports/${id}/results`);
    expect(res.status).toBe(204);
    expect(['pending', 'running']).toContain(res.headers['job-status']);
    expect(res.headers.link).toBe(`</api/v1/exports/${id}>; rel="monitor"`);
    expect((await t.http.get(`/api/v1/exports/${id}/download`)).status).toBe(404);
    await t.http.delete(`/api/v1/exports/${id}`).expect(200);
  });
});

describe('job timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...ENV_CREDENTIALS, JOB_TIMEOUT: '2s', EXPORTER_STOP_GRACE: '1s' } });
  });
  afterAll(() => t.dispose());

  it('a job running past JOB_TIMEOUT is stopped and failed with a message saying so', async () => {
    const id = (await t.http.post('/api/v1/exports').send(HANG)).body.job_id;
    const job = await waitForJob(t.http, id, undefined, { timeoutMs: 20_000 });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/ran longer than the job timeout \(2 s, JOB_TIMEOUT\)/);
    expect(exporterProcesses(t, id)).toEqual([]);
    await waitForRemoval([path.join(t.exportBaseDir, id)]);
    expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
  });

  it('an exporter that ignores SIGINT is killed after the grace period', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({
        include_filter_resources: [
          'genesyscloud_user',
          'genesyscloud_group::standin:hang',
          'genesyscloud_team::standin:ignore-sigint',
        ],
      })
    ).body.job_id;
    const job = await waitForJob(t.http, id, undefined, { timeoutMs: 20_000 });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/JOB_TIMEOUT/);
    expect(exporterProcesses(t, id)).toEqual([]);
  });
});

describe('OpenTofu as TERRAFORM_BIN', () => {
  it('runs exports through an executable named tofu', async () => {
    const bin = await mkdtemp(path.join(os.tmpdir(), 'export-server-tofu-'));
    await symlink(STANDIN_TERRAFORM, path.join(bin, 'tofu'));
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, TERRAFORM_BIN: path.join(bin, 'tofu') } });
    try {
      const id = (await t.http.post('/api/v1/exports').send({ ...QUICK, export_format: 'hcl' })).body.job_id;
      expect((await waitForJob(t.http, id)).status).toBe('completed');
      const config = await readFile(
        path.join(t.exportBaseDir, id, 'genesyscloud', 'genesyscloud.tf'),
        'utf8',
      );
      // The provider names the registry of the binary that runs it.
      expect(config).toContain('registry.opentofu.org/mypurecloud/genesyscloud');
    } finally {
      await t.dispose();
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe('two servers sharing one database', () => {
  it("a server starting up leaves the other's running job alone; a cancel through it stops the job where it runs", async () => {
    const runner = await startTestApp({ env: ENV_CREDENTIALS });
    const id = (await runner.http.post('/api/v1/exports').send(HANG)).body.job_id;
    await waitForJob(runner.http, id, ['running']);
    await waitForExporter(runner, id);
    // Its start-up recovery must only touch its own jobs.
    const other = await startTestApp({ env: ENV_CREDENTIALS, database: runner.database });
    try {
      expect((await waitForJob(other.http, id, ['running', 'failed'])).status).toBe('running');
      expect((await other.http.delete(`/api/v1/exports/${id}`)).status).toBe(200);
      for (let i = 0; i < 60 && exporterProcesses(runner, id).length > 0; i++) await sleep(100);
      expect(exporterProcesses(runner, id)).toEqual([]);
      expect((await waitForJob(runner.http, id)).status).toBe('cancelled');
    } finally {
      await other.close();
      await rm(other.exportBaseDir, { recursive: true, force: true });
      await runner.dispose();
    }
  });

  it('a pending job waiting on a busy server is taken by a server with a free slot', async () => {
    const busy = await startTestApp({ env: { ...ENV_CREDENTIALS, MAX_CONCURRENT_JOBS: '1' } });
    const idle = await startTestApp({ env: ENV_CREDENTIALS, database: busy.database });
    try {
      const blocker = (await busy.http.post('/api/v1/exports').send(HANG)).body.job_id;
      await waitForJob(busy.http, blocker, ['running']);
      const waiting = (await busy.http.post('/api/v1/exports').send({ ...QUICK, directory: 'elsewhere' }))
        .body.job_id;
      expect((await waitForJob(busy.http, waiting, undefined, { timeoutMs: 15_000 })).status).toBe(
        'completed',
      );
      expect(existsSync(path.join(idle.exportBaseDir, waiting, 'export.zip'))).toBe(true);
      await busy.http.delete(`/api/v1/exports/${blocker}`).expect(200);
    } finally {
      await idle.close();
      await rm(idle.exportBaseDir, { recursive: true, force: true });
      await busy.dispose();
    }
  });
});
