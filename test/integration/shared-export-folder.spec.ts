import { rm } from 'node:fs/promises';
import { waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

/** Servers on one database: those sharing EXPORT_BASE_DIR serve each other's jobs; one apart says it cannot. */
describe('an export folder shared by several servers', () => {
  let runner: TestApp;
  let sharing: TestApp;
  let apart: TestApp;
  let jobId: string;

  beforeAll(async () => {
    runner = await startTestApp({ env: ENV_CREDENTIALS });
    const created = await runner.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user'] });
    jobId = created.body.job_id;
    expect((await waitForJob(runner.http, jobId)).status).toBe('completed');
    // Started once the job is done, so neither of them ran it.
    sharing = await startTestApp({
      env: ENV_CREDENTIALS,
      database: runner.database,
      exportBaseDir: runner.exportBaseDir,
    });
    apart = await startTestApp({ env: ENV_CREDENTIALS, database: runner.database });
  });
  afterAll(async () => {
    await sharing.close();
    await apart.close();
    await rm(apart.exportBaseDir, { recursive: true, force: true });
    await runner.dispose();
  });

  it('a server sharing the folder lists and serves the files of a job another server ran', async () => {
    const results = await sharing.http.get(`/api/v1/exports/${jobId}/results`);
    expect(results.status).toBe(200);
    expect(results.body.files.map((f: { name: string }) => f.name)).toEqual([
      'genesyscloud/genesyscloud.tf.json',
    ]);
    const download = await sharing.http.get(`/api/v1/exports/${jobId}/download`);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
  });

  it('a server that cannot see the folder answers a problem saying so, never an empty list', async () => {
    for (const route of ['results', 'download']) {
      const res = await apart.http.get(`/api/v1/exports/${jobId}/${route}`);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'urn:genesyscloud-export-server:problem:job-files-unavailable',
        job_id: jobId,
        job_status: 'completed',
      });
      expect(res.body.detail).toMatch(/EXPORT_BASE_DIR/);
    }
  });
});
