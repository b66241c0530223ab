import { withClient } from '../support/test-database';
import { binaryParser, readZip, sleep, waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp } from '../support/test-app';

describe('concurrency cap', () => {
  it('runs at most MAX_CONCURRENT_JOBS exporters from a burst of 20, starting them in creation order', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, MAX_CONCURRENT_JOBS: '3' } });
    try {
      const body = {
        include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=600'],
      };
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(
          (await t.http.post('/api/v1/exports').send({ ...body, directory: `burst-${i}` })).body.job_id,
        );
      }

      let maxRunning = 0;
      for (;;) {
        const counts = await withClient(t.databaseUrl, (c) =>
          c.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM export_jobs GROUP BY status',
          ),
        );
        const by = Object.fromEntries(counts.rows.map((r) => [r.status, r.n]));
        maxRunning = Math.max(maxRunning, by.running ?? 0);
        if ((by.completed ?? 0) + (by.failed ?? 0) === 20) break;
        await sleep(50);
      }
      expect(maxRunning).toBe(3);

      const rows = await withClient(t.databaseUrl, (c) =>
        c.query<{ id: string; status: string }>('SELECT id, status FROM export_jobs ORDER BY started_at, id'),
      );
      expect(rows.rows.every((r) => r.status === 'completed')).toBe(true);
      // Started in the order they were created (ties broken the same way, by id, within a batch).
      const startOrder = rows.rows.map((r) => r.id);
      const created = await withClient(t.databaseUrl, (c) =>
        c.query<{ id: string }>('SELECT id FROM export_jobs ORDER BY created_at, id'),
      );
      expect(startOrder).toEqual(created.rows.map((r) => r.id));
      expect(created.rows.map((r) => r.id)).toEqual(ids);
    } finally {
      await t.dispose();
    }
  });
});

describe('restart', () => {
  it('completed jobs stay downloadable after the app restarts; a job interrupted by shutdown is failed', async () => {
    const first = await startTestApp({ env: ENV_CREDENTIALS });
    const done = (
      await first.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_user'] })
    ).body.job_id;
    await waitForJob(first.http, done);
    const hanging = (
      await first.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] })
    ).body.job_id;
    await waitForJob(first.http, hanging, ['running']);
    await first.close();

    const second = await startTestApp({
      env: ENV_CREDENTIALS,
      database: first.database,
      exportBaseDir: first.exportBaseDir,
    });
    try {
      const res = await second.http.get(`/api/v1/exports/${done}/download`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect([...(await readZip(res.body)).keys()]).toEqual(['genesyscloud/genesyscloud.tf.json']);
      const interrupted = await waitForJob(second.http, hanging);
      expect(interrupted.status).toBe('failed');
      expect(interrupted.error).toMatch(/server shut down/);
    } finally {
      await second.dispose();
    }
  });
});
