import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { sleep, waitForJob } from '../support/jobs';
import { withClient } from '../support/test-database';
import { ENV_CREDENTIALS, startTestApp, TEST_CLIENT_SECRET, TEST_TOKEN, TestApp } from '../support/test-app';

describe('progress, logs and exporter reports', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  it('reports a phase, counters and progress that only grows while the export runs', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({
        include_filter_resources: [
          'genesyscloud_user',
          'genesyscloud_group',
          'genesyscloud_team::standin:sleep=4000',
        ],
        // One resource at a time, so the stand-in's read phase advances resource by resource.
        max_concurrent_threads: 1,
      })
    ).body.job_id;
    const seen: { progress: number; phase: string }[] = [];
    for (;;) {
      const res = await t.http.get(`/api/v1/exports/${id}`).set('Prefer', 'return=representation');
      seen.push({ progress: res.body.progress, phase: res.body.phase });
      if (res.body.status === 'completed') {
        expect(res.body.progress).toBe(100);
        expect(res.body.counters).toMatchObject({ types_total: 3, types_listed: 3, types_done: 3 });
        expect(res.body.counters.resources_done).toBe(res.body.counters.resources_found);
        break;
      }
      expect(res.body.status).not.toBe('failed');
      expect(res.body.progress).toBeLessThan(100);
      await sleep(150);
    }
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].progress).toBeGreaterThanOrEqual(seen[i - 1].progress);
    const phases = new Set(seen.map((s) => s.phase));
    expect(phases.has('exporting')).toBe(true);
    // Several distinct values on the way: progress moved during the run, not only at the end.
    expect(new Set(seen.map((s) => s.progress).filter((p) => p > 0 && p < 100)).size).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('writes progress to the database at a bounded rate, not once per log line', async () => {
    // Counts every UPDATE of export_jobs, whoever makes it.
    await withClient(t.databaseUrl, async (c) => {
      await c.query(
        'CREATE TABLE IF NOT EXISTS job_update_count (job_id uuid, at timestamptz DEFAULT now())',
      );
      await c.query(`CREATE OR REPLACE FUNCTION count_job_update() RETURNS trigger AS $$
        BEGIN INSERT INTO job_update_count (job_id) VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql`);
      await c.query(
        'CREATE OR REPLACE TRIGGER count_job_update AFTER UPDATE ON export_jobs FOR EACH ROW EXECUTE FUNCTION count_job_update()',
      );
    });
    const id = (
      await t.http.post('/api/v1/exports').send({
        exclude_filter_resources: ['genesyscloud_user::standin:sleep=3000'],
        max_concurrent_threads: 1,
      })
    ).body.job_id;
    expect((await waitForJob(t.http, id)).status).toBe('completed');
    const log = (await t.http.get(`/api/v1/exports/${id}/logs`)).text;
    const lines = log.split('\n').length;
    const updates = await withClient(t.databaseUrl, async (c) => {
      const rows = await c.query('SELECT count(*)::int AS n FROM job_update_count WHERE job_id = $1', [id]);
      await c.query('DROP TRIGGER count_job_update ON export_jobs');
      return rows.rows[0].n as number;
    });
    expect(lines).toBeGreaterThan(1000);
    // About one write a second over a ~3 s run, plus start and completion.
    expect(updates).toBeGreaterThanOrEqual(3);
    expect(updates).toBeLessThan(15);
  });

  it("serves the run's log as text, following it until the job ends", async () => {
    const id = (
      await t.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=1500'] })
    ).body.job_id;
    const followed = await t.http.get(`/api/v1/exports/${id}/logs?follow=true`).buffer(true);
    expect(followed.status).toBe(200);
    expect(followed.headers['content-type']).toBe('text/plain; charset=utf-8');
    // The follower got the very end of the run, so it stayed open until the job finished.
    expect(followed.text).toMatch(/Export completed successfully with no errors/);
    expect(followed.text).toMatch(/Found \d+ resources for type genesyscloud_user/);
    expect(followed.text).toMatch(/Terraform has been successfully initialized/);
    const job = await waitForJob(t.http, id);
    expect(job.status).toBe('completed');
    const plain = await t.http.get(`/api/v1/exports/${id}/logs`);
    expect(plain.text).toBe(followed.text);
    expect((await t.http.get(`/api/v1/exports/${id}/logs?follow=maybe`)).status).toBe(400);
  });

  it('scrubs the token, the client secret and Authorization values from logs and files', async () => {
    const body = {
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:leak-secrets'],
    };
    const withToken = (
      await t.http.post('/api/v1/exports').set('Authorization', `Bearer ${TEST_TOKEN}`).send(body)
    ).body.job_id;
    const withSecret = (await t.http.post('/api/v1/exports').send(body)).body.job_id;
    await waitForJob(t.http, withToken, undefined, { auth: `Bearer ${TEST_TOKEN}` });
    await waitForJob(t.http, withSecret);
    const tokenLog = (
      await t.http.get(`/api/v1/exports/${withToken}/logs`).set('Authorization', `Bearer ${TEST_TOKEN}`)
    ).text;
    const secretLog = (await t.http.get(`/api/v1/exports/${withSecret}/logs`)).text;
    expect(tokenLog).toMatch(/\[REDACTED\]/);
    expect(secretLog).toMatch(/\[REDACTED\]/);
    for (const file of await allFiles(t.exportBaseDir)) {
      const text = await readFile(file, 'latin1');
      expect({ file, leaked: text.includes(TEST_TOKEN) || text.includes(TEST_CLIENT_SECRET) }).toEqual({
        file,
        leaked: false,
      });
    }
  });

  it('completes with a count of failed resources when the exporter reports per-resource errors', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({
        include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:resource-errors=2'],
      })
    ).body.job_id;
    expect((await waitForJob(t.http, id)).status).toBe('completed');
    const results = (await t.http.get(`/api/v1/exports/${id}/results`)).body;
    expect(results.resources_failed).toBe(2);
    expect(results.errors_file).toBe('genesyscloud/export_errors.json');
    expect(results.files.map((f: { name: string }) => f.name)).toContain('genesyscloud/export_errors.json');
    expect(results.warnings.join('\n')).toMatch(/2 resources encountered non-timeout errors/);
  });

  it('with log_permission_errors, a 403 on a type completes the job and records it', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({
        include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:forbidden'],
        log_permission_errors: true,
      })
    ).body.job_id;
    expect((await waitForJob(t.http, id)).status).toBe('completed');
    expect((await t.http.get(`/api/v1/exports/${id}/results`)).body.resources_failed).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('installs the provider once at start into the shared plugin cache, and jobs use it', async () => {
    const health = await t.http.get('/health/ready');
    expect(health.status).toBe(200);
    expect(health.body.info.exporter).toMatchObject({
      status: 'up',
      state: 'ready',
      terraform_version: expect.any(String),
    });
    const cache = path.join(t.exportBaseDir, '.terraform-plugin-cache');
    expect((await allFiles(cache)).length).toBeGreaterThan(0);
    const id = (
      await t.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_user'] })
    ).body.job_id;
    await waitForJob(t.http, id);
    const log = (await t.http.get(`/api/v1/exports/${id}/logs`)).text;
    expect(log).toMatch(/from the shared cache directory/);
    expect(log).not.toMatch(/Installing mypurecloud\/genesyscloud/);
  });
});

describe('an exporter that cannot run', () => {
  it('readiness is 503 naming the cause, while /health still answers 200', async () => {
    const t = await startTestApp({ env: { TERRAFORM_BIN: '/nonexistent/terraform' } });
    try {
      // Readiness is 503 while the start-up check runs too; wait for its verdict.
      for (let i = 0; i < 50; i++) {
        if ((await t.http.get('/health/ready')).body.details?.exporter?.state === 'unavailable') break;
        await sleep(100);
      }
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details.exporter).toMatchObject({
        status: 'down',
        detail: expect.stringMatching(/could not be run/),
      });
      const health = await t.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.details.exporter).toMatchObject({ status: 'down', state: 'unavailable' });
      expect((await t.http.get('/health/live')).status).toBe(200);
    } finally {
      await t.dispose();
    }
  });
});

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
