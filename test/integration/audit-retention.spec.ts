import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { RetentionService } from '../../src/retention/retention.service';
import { binaryParser, sleep, waitForJob, waitForRemoval } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { withClient } from '../support/test-database';

describe('audit trail', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  it("records a job's life and every read of it, with request ids and client addresses, for its owner only", async () => {
    const auth = 'Bearer audit-owner-token';
    const created = await t.http
      .post('/api/v1/exports')
      .set('Authorization', auth)
      .set('X-Request-Id', 'create-req-1')
      .send({
        include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=2500'],
        max_concurrent_threads: 1,
      });
    expect(created.headers['x-request-id']).toBe('create-req-1');
    const id = created.body.job_id;
    await waitForJob(t.http, id, undefined, { auth });
    await t.http.get(`/api/v1/exports/${id}/results`).set('Authorization', auth).expect(200);
    await t.http
      .get(`/api/v1/exports/${id}/download`)
      .set('Authorization', auth)
      .buffer(true)
      .parse(binaryParser)
      .expect(200);
    // Someone else probing the job is refused, and that is recorded too.
    await t.http.get(`/api/v1/exports/${id}`).set('Authorization', 'Bearer intruder').expect(404);
    await t.http.get(`/api/v1/exports/${id}/events`).set('Authorization', 'Bearer intruder').expect(404);

    const res = await t.http.get(`/api/v1/exports/${id}/events`).set('Authorization', auth);
    expect(res.status).toBe(200);
    const actions: string[] = res.body.events.map((e: { action: string }) => e.action);
    for (const action of [
      'job.created',
      'job.started',
      'job.progress',
      'job.completed',
      'job.results_read',
      'job.downloaded',
      'request.rejected',
    ]) {
      expect(actions).toContain(action);
    }
    expect(actions.indexOf('job.created')).toBeLessThan(actions.indexOf('job.started'));
    expect(actions.indexOf('job.started')).toBeLessThan(actions.indexOf('job.completed'));
    const creation = res.body.events.find((e: { action: string }) => e.action === 'job.created');
    expect(creation).toMatchObject({
      outcome: 'success',
      http_status: 202,
      request_id: 'create-req-1',
      client_ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    const rejection = res.body.events.find((e: { action: string }) => e.action === 'request.rejected');
    expect(rejection).toMatchObject({ outcome: 'rejected', http_status: 404 });

    const rows = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT principal FROM job_events WHERE job_id = $1', [id]),
    );
    expect(rows.rows.every((r) => r.principal === null || /^[0-9a-f]{64}$/.test(r.principal))).toBe(true);
  });

  it('answers polls while the audit table is locked, and holds operations until their row is written', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_user'] })
    ).body.job_id;
    await waitForJob(t.http, id);
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    let cancel: Promise<{ status: number }> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE job_events IN SHARE MODE'); // no insert gets through
      let cancelAnswered = false;
      cancel = t.http.delete(`/api/v1/exports/${id}`).then((res) => {
        cancelAnswered = true;
        return res;
      });
      for (let i = 0; i < 3; i++) {
        const poll = await t.http.get(`/api/v1/exports/${id}`).set('X-Request-Id', `poll-while-locked-${i}`);
        expect(poll.status).toBe(204);
      }
      expect((await t.http.get('/api/v1/exports')).status).toBe(200);
      expect(cancelAnswered).toBe(false);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    expect((await cancel).status).toBe(204);
    const events: { action: string; request_id: string }[] = (
      await t.http.get(`/api/v1/exports/${id}/events`)
    ).body.events;
    const lockedReads = events.filter((e) => e.request_id?.startsWith('poll-while-locked-'));
    expect(lockedReads.map((e) => e.action)).toEqual(['job.read', 'job.read', 'job.read']);
    expect(events.map((e) => e.action)).toContain('job.cancelled');
  });

  it('forgets audit events older than JOB_RETENTION when it cleans up, and keeps newer ones', async () => {
    const jobId = randomUUID();
    await withClient(t.databaseUrl, (c) =>
      c.query(
        `INSERT INTO job_events (occurred_at, job_id, action, outcome) VALUES
           (now() - interval '8 days', $1, 'job.created', 'success'),
           (now() - interval '6 days', $1, 'job.started', 'success')`,
        [jobId],
      ),
    );
    const report = await t.app.get(RetentionService).cleanUp();
    expect(report.auditEvents).toBeGreaterThanOrEqual(1);
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT action FROM job_events WHERE job_id = $1', [jobId]),
    );
    expect(rows.rows).toEqual([{ action: 'job.started' }]);
  });

  it('does not write a row per unauthenticated request: they are counted in metrics instead', async () => {
    const count = async () =>
      Number(
        (
          await withClient(t.databaseUrl, (c) =>
            c.query(
              "SELECT count(*) FROM job_events WHERE action = 'request.rejected' AND http_status = 401",
            ),
          )
        ).rows[0].count,
      );
    const before = await count();
    for (let i = 0; i < 3; i++)
      await t.http.post('/api/v1/exports').set('Authorization', 'Basic nope').send({}).expect(401);
    expect(await count()).toBe(before);
    expect((await t.http.get('/metrics')).text).toMatch(
      /http_requests_rejected_total\{status="401",reason="unauthenticated"\} [3-9]/,
    );
  });
});

describe('retention clean-up', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...ENV_CREDENTIALS, JOB_RETENTION: '2s', CLEANUP_INTERVAL: '500ms' } });
  });
  afterAll(() => t.dispose());

  it('expires finished jobs after JOB_RETENTION on its own schedule: files gone, row kept, 410 Gone', async () => {
    const id = (
      await t.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_user'] })
    ).body.job_id;
    await waitForJob(t.http, id);
    expect(existsSync(path.join(t.exportBaseDir, id))).toBe(true);
    const expired = await waitForJob(t.http, id, ['expired'], { timeoutMs: 15_000 });
    expect(expired.expired_at).toEqual(expect.any(String));
    // Files go only after the expiry is recorded: wait (bounded) for their removal.
    await waitForRemoval([path.join(t.exportBaseDir, id), path.join(t.exportBaseDir, '.runs', id)]);
    expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
    expect(existsSync(path.join(t.exportBaseDir, '.runs', id))).toBe(false);
    for (const suffix of ['/results', '/download', '/logs']) {
      const res = await t.http.get(`/api/v1/exports/${id}${suffix}`);
      expect(res.status).toBe(410);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const events = (await t.http.get(`/api/v1/exports/${id}/events`)).body.events.map(
      (e: { action: string }) => e.action,
    );
    expect(events).toContain('job.purged');
  });

  it('removes folders that belong to no job, and leaves other names alone', async () => {
    const stray = randomUUID();
    await mkdir(path.join(t.exportBaseDir, stray, 'genesyscloud'), { recursive: true });
    await writeFile(path.join(t.exportBaseDir, stray, 'genesyscloud', 'x.tf'), 'x');
    await mkdir(path.join(t.exportBaseDir, '.runs', randomUUID()), { recursive: true });
    await mkdir(path.join(t.exportBaseDir, 'not-a-job'), { recursive: true });
    for (let i = 0; i < 50 && existsSync(path.join(t.exportBaseDir, stray)); i++) await sleep(100);
    expect(existsSync(path.join(t.exportBaseDir, stray))).toBe(false);
    expect(existsSync(path.join(t.exportBaseDir, 'not-a-job'))).toBe(true);
  });

  it('removes a folder that belongs to no job at the second clean-up that finds it, not the first', async () => {
    // A server of its own, whose periodic clean-up does not run during the test.
    const quiet = await startTestApp({ env: { ...ENV_CREDENTIALS, CLEANUP_INTERVAL: '1h' } });
    try {
      const retention = quiet.app.get(RetentionService);
      const stray = path.join(quiet.exportBaseDir, randomUUID());
      await mkdir(stray);
      // As a job's folder is while its row is being written: one look must not remove it.
      expect((await retention.cleanUp()).strayFolders).toBe(0);
      expect(existsSync(stray)).toBe(true);
      expect((await retention.cleanUp()).strayFolders).toBe(1);
      expect(existsSync(stray)).toBe(false);
    } finally {
      await quiet.close();
    }
  });

  it('runs on one server at a time (PostgreSQL advisory lock)', async () => {
    const retention = t.app.get(RetentionService);
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('retention-cleanup'))");
      expect((await retention.cleanUp()).ran).toBe(false);
      await holder.query('COMMIT');
      expect((await retention.cleanUp()).ran).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
