import { JOB_STATUSES } from '../../src/jobs/export-job';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { waitForJob } from '../support/jobs';
import { withClient } from '../support/test-database';
import { outsideTheApi } from '../support/openapi-contract';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition, if present. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and request ids (real HTTP and PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  async function scrape(): Promise<string> {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return res.text;
  }

  describe('GET /metrics', () => {
    it('counts the jobs in each state, from the database, at each scrape', async () => {
      const before = await scrape();
      for (const status of JOB_STATUSES) expect(sample(before, `export_jobs{status="${status}"}`)).toBe(0);

      // Different parameters each: an identical unfinished job would be refused (409).
      const resourceTypes = ['genesyscloud_user', 'genesyscloud_group', 'genesyscloud_team'];
      const ids: string[] = [];
      for (const type of resourceTypes) {
        const res = await t.http.post('/api/v1/exports').send({ include_filter_resources: [type] });
        expect(res.status).toBe(202);
        ids.push(res.body.job_id as string);
      }
      const after = await scrape();
      // The jobs may be in any state by now; together they are the ones created.
      const counts = JOB_STATUSES.map((status) => sample(after, `export_jobs{status="${status}"}`));
      expect(counts).not.toContain(undefined);
      expect(counts.reduce((sum: number, count) => sum + (count ?? 0), 0)).toBe(resourceTypes.length);
      // Finished before the next test compares a scrape with the table, so no job changes in between.
      for (const id of ids) await waitForJob(t.http, id);
    });

    it('keeps counts that follow every change of state, so a scrape never counts the table', async () => {
      const id = (
        await t.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_script'] })
      ).body.job_id;
      await waitForJob(t.http, id);
      await withClient(t.databaseUrl, (c) =>
        c.query("UPDATE export_jobs SET status = 'expired' WHERE id = $1", [id]),
      );
      const text = await scrape();
      const actual = await withClient(t.databaseUrl, (c) =>
        c.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM export_jobs GROUP BY status',
        ),
      );
      for (const status of JOB_STATUSES) {
        const expected = actual.rows.find((row) => row.status === status)?.n ?? 0;
        expect([status, sample(text, `export_jobs{status="${status}"}`)]).toEqual([status, expected]);
      }
      expect(sample(text, 'export_jobs{status="expired"}')).toBeGreaterThanOrEqual(1);
    });

    it('offers the export job series before any job ends, and Node process metrics', async () => {
      const text = await scrape();
      for (const outcome of ['completed', 'failed', 'cancelled']) {
        expect(text).toContain(`export_job_duration_seconds_bucket{le="10800",outcome="${outcome}"}`);
      }
      for (const reason of ['error', 'timeout', 'interrupted', 'not_runnable']) {
        expect(sample(text, `exporter_failures_total{reason="${reason}"}`)).toBe(0);
      }
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    });

    it('times requests by route template, never by URL', async () => {
      const created = await t.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_location'] });
      expect(created.status).toBe(202);
      const id = created.body.job_id as string;
      expect((await t.http.get(`/api/v1/exports/${id}`).set('Prefer', 'return=representation')).status).toBe(
        200,
      );
      expect((await t.http.get(`/api/v1/exports/${id}`).set('Authorization', 'Basic abc')).status).toBe(401);
      expect(
        (
          await outsideTheApi(
            t.http.get(`/no/such/route/${id}`),
            'an unknown path, to see how metrics label it',
          )
        ).status,
      ).toBe(404);

      const text = await scrape();
      expect(
        sample(
          text,
          'http_request_duration_seconds_count{method="POST",route="/api/v1/exports",status_code="202"}',
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(
          text,
          'http_request_duration_seconds_count{method="GET",route="/api/v1/exports/:id",status_code="200"}',
        ),
      ).toBeGreaterThanOrEqual(1);
      // Refused by a guard, before any handler ran: still counted under its route.
      expect(
        sample(
          text,
          'http_request_duration_seconds_count{method="GET",route="/api/v1/exports/:id",status_code="401"}',
        ),
      ).toBe(1);
      expect(
        sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'),
      ).toBe(1);
      const labelSets = text.match(/\{[^}]*\}/g) ?? [];
      expect(labelSets.length).toBeGreaterThan(0);
      expect(labelSets.filter((labels) => UUID.test(labels))).toEqual([]);
    });

    it('is documented as a public text/plain operation', async () => {
      const doc = (await t.http.get('/api/docs-json')).body as {
        paths: Record<
          string,
          { get?: { security?: unknown[]; responses: Record<string, { content?: object }> } }
        >;
      };
      const operation = doc.paths['/metrics']?.get;
      expect(operation?.security).toEqual([]);
      expect(Object.keys(operation?.responses['200'].content ?? {})).toEqual(['text/plain']);
    });
  });

  describe('X-Request-Id', () => {
    it('is generated when the request has none', async () => {
      const first = await t.http.get('/health');
      const second = await t.http.get('/health');
      expect(first.headers['x-request-id']).toMatch(new RegExp(`^${UUID.source}$`, 'i'));
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    });

    it('echoes a sane one', async () => {
      const sane = 'client.req-42_A';
      expect((await t.http.get('/api/v1/exports').set('X-Request-Id', sane)).headers['x-request-id']).toBe(
        sane,
      );
      const longest = 'a'.repeat(128);
      expect((await t.http.get('/health').set('X-Request-Id', longest)).headers['x-request-id']).toBe(
        longest,
      );
    });

    it.each([
      ['too long', 'a'.repeat(300)],
      ['with spaces', 'abc def'],
      ['with other characters', 'abc"};drop'],
    ])('replaces one %s', async (_, insane) => {
      const returned = (await t.http.get('/health').set('X-Request-Id', insane)).headers['x-request-id'];
      expect(returned).toMatch(new RegExp(`^${UUID.source}$`, 'i'));
    });

    it('comes back on errors and unknown routes too', async () => {
      const res = await outsideTheApi(
        t.http.get('/no/such/route').set('X-Request-Id', 'trace-404'),
        'an unknown path, which must still carry the request id',
      );
      expect(res.status).toBe(404);
      expect(res.headers['x-request-id']).toBe('trace-404');
    });

    it('comes back on requests refused before any route ran: a body that is not JSON, too large or malformed, a path that does not decode', async () => {
      const refused = [
        t.http.post('/api/v1/exports').set('Content-Type', 'text/plain').send('x'),
        t.http
          .post('/api/v1/exports')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ directory: 'x'.repeat(70_000) })),
        t.http.post('/api/v1/exports').set('Content-Type', 'application/json').send('{"directory":'),
        t.http.get('/api/v1/exports/%ff'),
      ];
      const answers = await Promise.all(refused.map((req, i) => req.set('X-Request-Id', `refused-${i}`)));
      expect(answers.map((res) => [res.status, res.headers['x-request-id']])).toEqual([
        [415, 'refused-0'],
        [413, 'refused-1'],
        [400, 'refused-2'],
        [400, 'refused-3'],
      ]);
    });
  });
});
