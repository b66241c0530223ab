import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { binaryParser, readZip, waitForJob, waitForRemoval } from '../support/jobs';
import { outsideTheApi } from '../support/openapi-contract';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { withClient } from '../support/test-database';

const PROBLEM = /^application\/problem\+json/;
const FAST_FILTER = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group'] };

describe('exports API (real HTTP, PostgreSQL and the Terraform stand-in)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  async function startExport(body: object = FAST_FILTER): Promise<string> {
    const res = await t.http.post('/api/v1/exports').send(body);
    expect(res.status).toBe(202);
    return res.body.job_id;
  }

  describe('the request examples of openapi.json', () => {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../openapi.json'), 'utf8'));
    const examples = committed.paths['/api/v1/exports'].post.requestBody.content['application/json'].examples;

    it('declares at least one', () => {
      expect(Object.keys(examples).length).toBeGreaterThan(0);
    });

    it.each(Object.keys(examples))('POST accepts %s with 202, and the job completes', async (name) => {
      const jobId = await startExport(examples[name].value);
      expect((await waitForJob(t.http, jobId)).status).toBe('completed');
    });
  });

  describe('a whole export', () => {
    let jobId: string;

    it('POST answers 202 with the job and where to poll it', async () => {
      const res = await t.http.post('/api/v1/exports').send(FAST_FILTER);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'pending',
        created_at: expect.any(String),
      });
      expect(new Date(res.body.created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(res.headers.location).toBe(`/api/v1/exports/${res.body.job_id}`);
      expect(res.headers['job-status']).toBe('pending');
      jobId = res.body.job_id;
    });

    it('GET answers 200 with progress while the job is unfinished, then 204 with Job-Status and a Link', async () => {
      const first = await t.http.get(`/api/v1/exports/${jobId}`);
      if (first.status === 200) {
        expect(['pending', 'running']).toContain(first.body.status);
        expect(first.headers['retry-after']).toMatch(/^\d+$/);
        expect(first.headers['job-status']).toBe(first.body.status);
        expect(first.body.progress).toBeLessThan(100);
      }
      await waitForJob(t.http, jobId);
      const done = await t.http.get(`/api/v1/exports/${jobId}`);
      expect(done.status).toBe(204);
      expect(done.text).toBe('');
      expect(done.headers['job-status']).toBe('completed');
      expect(done.headers['retry-after']).toBeUndefined();
      expect(done.headers.link).toBe(`</api/v1/exports/${jobId}/results>; rel="results"`);
    });

    it('Prefer: return=representation turns the 204 into 200 with the whole job', async () => {
      const res = await t.http.get(`/api/v1/exports/${jobId}`).set('Prefer', 'return=representation');
      expect(res.status).toBe(200);
      expect(res.headers['preference-applied']).toBe('return=representation');
      expect(res.body).toMatchObject({
        job_id: jobId,
        status: 'completed',
        progress: 100,
        error: null,
        parameters: FAST_FILTER,
        cancelled_at: null,
      });
      for (const field of ['created_at', 'updated_at', 'started_at', 'completed_at']) {
        expect(Date.parse(res.body[field])).not.toBeNaN();
      }
      expect(Date.parse(res.body.completed_at)).toBeGreaterThanOrEqual(Date.parse(res.body.started_at));
    });

    it('results lists the files relative to the job folder, with sizes and types', async () => {
      const res = await t.http.get(`/api/v1/exports/${jobId}/results`);
      expect(res.status).toBe(200);
      expect(res.headers['job-status']).toBe('completed');
      expect(res.body).toMatchObject({
        job_id: jobId,
        status: 'completed',
        export_directory: 'genesyscloud',
        download_url: `/api/v1/exports/${jobId}/download`,
      });
      expect(res.body.files).toEqual([
        { name: 'genesyscloud/genesyscloud.tf.json', size: expect.any(Number), type: 'json' },
      ]);
      expect(res.body.files[0].size).toBeGreaterThan(0);
    });

    it('download streams a zip holding exactly the listed files', async () => {
      const res = await t.http.get(`/api/v1/exports/${jobId}/download`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="export-${jobId}.zip"`);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      const entries = await readZip(res.body);
      expect([...entries.keys()]).toEqual(['genesyscloud/genesyscloud.tf.json']);
      const config = JSON.parse(entries.get('genesyscloud/genesyscloud.tf.json')!.toString('utf8'));
      expect(Object.keys(config.resource).sort()).toEqual(['genesyscloud_group', 'genesyscloud_user']);
    });

    it('download supports HTTP Range, so a broken download can be resumed', async () => {
      const whole = await t.http.get(`/api/v1/exports/${jobId}/download`).buffer(true).parse(binaryParser);
      expect(whole.headers.etag).toBeTruthy();
      expect(whole.headers['accept-ranges']).toBe('bytes');
      const tail = await t.http
        .get(`/api/v1/exports/${jobId}/download`)
        .set('Range', 'bytes=100-')
        .buffer(true)
        .parse(binaryParser);
      expect(tail.status).toBe(206);
      expect(tail.headers['content-range']).toBe(`bytes 100-${whole.body.length - 1}/${whole.body.length}`);
      expect(Buffer.compare(tail.body, whole.body.subarray(100))).toBe(0);
    });

    it("keeps the job's files under <base>/<job id>/ and no workspace behind", () => {
      expect(existsSync(path.join(t.exportBaseDir, jobId, 'genesyscloud', 'genesyscloud.tf.json'))).toBe(
        true,
      );
      expect(existsSync(path.join(t.exportBaseDir, jobId, 'export.zip'))).toBe(true);
      expect(existsSync(path.join(t.exportBaseDir, '.runs', jobId, 'workspace'))).toBe(false);
    });
  });

  describe('export formats (reference §2)', () => {
    const cases: [string, object, string[]][] = [
      ['json (default)', {}, ['genesyscloud/genesyscloud.tf.json']],
      ['hcl', { export_format: 'hcl' }, ['genesyscloud/genesyscloud.tf']],
      ['HCL in capitals', { export_format: 'HCL' }, ['genesyscloud/genesyscloud.tf']],
      ['export_as_hcl', { export_as_hcl: true }, ['genesyscloud/genesyscloud.tf']],
      [
        'json_hcl',
        { export_format: 'json_hcl' },
        ['genesyscloud/genesyscloud.tf', 'genesyscloud/genesyscloud.tf.json'],
      ],
      [
        'hcl_json',
        { export_format: 'hcl_json' },
        ['genesyscloud/genesyscloud.tf', 'genesyscloud/genesyscloud.tf.json'],
      ],
      [
        'split hcl',
        { export_format: 'hcl', split_files_by_resource: true },
        [
          'genesyscloud/genesyscloud_group.tf',
          'genesyscloud/genesyscloud_user.tf',
          'genesyscloud/provider.tf',
          'genesyscloud/variables.tf',
        ],
      ],
      [
        'split json',
        { split_files_by_resource: true },
        [
          'genesyscloud/genesyscloud_group.tf.json',
          'genesyscloud/genesyscloud_user.tf.json',
          'genesyscloud/provider.tf.json',
        ],
      ],
      [
        'state file',
        { include_state_file: true },
        ['genesyscloud/genesyscloud.tf.json', 'genesyscloud/terraform.tfstate'],
      ],
      ['another directory', { directory: 'org/main' }, ['org/main/genesyscloud.tf.json']],
    ];

    it.each(cases)('%s', async (_name, extra, expected) => {
      const id = await startExport({ ...FAST_FILTER, ...extra });
      const job = await waitForJob(t.http, id);
      expect(job.error).toBeNull();
      expect(job.status).toBe('completed');
      const res = await t.http.get(`/api/v1/exports/${id}/results`);
      const names: string[] = res.body.files.map((f: { name: string }) => f.name);
      // replace-provider leaves Terraform's backup of the state next to it.
      expect(names.filter((n) => !n.includes('.backup'))).toEqual(expected);
      const zip = await t.http.get(`/api/v1/exports/${id}/download`).buffer(true).parse(binaryParser);
      expect([...(await readZip(zip.body)).keys()].sort()).toEqual([...names].sort());
    });

    it('compress: the provider zip sits in the job folder, beside the export directory', async () => {
      const id = await startExport({ ...FAST_FILTER, compress: true });
      await waitForJob(t.http, id);
      const res = await t.http.get(`/api/v1/exports/${id}/results`);
      const zips = res.body.files.filter((f: { type: string }) => f.type === 'zip');
      expect(zips).toHaveLength(1);
      expect(zips[0].name).toMatch(/^archive_genesyscloud_tf_export[0-9a-f-]{36}\.zip$/);
      const onDisk = await readdir(path.dirname(t.exportBaseDir));
      expect(onDisk.some((name) => name.startsWith('archive_genesyscloud_tf_export'))).toBe(false);
    });
  });

  describe('failures', () => {
    it('an exporter error fails the job with Terraform’s diagnostic; results 409, download 404', async () => {
      const id = await startExport({
        include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:fail'],
      });
      const job = await waitForJob(t.http, id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/Failed to get page of groups/);
      expect(job.progress).toBeLessThan(100);

      const status = await t.http.get(`/api/v1/exports/${id}`);
      expect(status.status).toBe(200);
      expect(status.headers['job-status']).toBe('failed');

      const results = await t.http.get(`/api/v1/exports/${id}/results`);
      expect(results.status).toBe(409);
      expect(results.headers['content-type']).toMatch(PROBLEM);
      expect(results.body).toMatchObject({ status: 409, job_id: id, job_status: 'failed' });

      const download = await t.http.get(`/api/v1/exports/${id}/download`);
      expect(download.status).toBe(404);
      expect(download.headers['content-type']).toMatch(PROBLEM);
      await waitForRemoval([path.join(t.exportBaseDir, id)]);
      expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
    });

    it('a provider crash fails the job with the plugin error', async () => {
      const id = await startExport({
        ...FAST_FILTER,
        replace_with_datasource: ['genesyscloud_user::standin:crash'],
      });
      const job = await waitForJob(t.http, id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/plugin/i);
    });

    it('authentication rejected by Genesys Cloud fails the job and says so', async () => {
      const id = await startExport({
        ...FAST_FILTER,
        replace_with_datasource: ['genesyscloud_user::standin:auth-fail'],
      });
      const job = await waitForJob(t.http, id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/failed to authorize Genesys Cloud client credentials/);
    });
  });

  describe('bad requests', () => {
    it('400 problem with a pointer for each invalid field', async () => {
      const res = await t.http
        .post('/api/v1/exports')
        .send({ export_format: 'xml', compress: 'yes', nope: 1 });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        type: expect.any(String),
        title: 'Bad Request',
        status: 400,
        instance: '/api/v1/exports',
      });
      const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer).sort();
      expect(pointers).toEqual(expect.arrayContaining(['/compress', '/export_format', '/nope']));
    });

    it('400 for conflicting filters, before any job exists', async () => {
      const count = async () => (await t.http.get('/api/v1/exports?limit=100')).body.jobs.length as number;
      const before = await count();
      const res = await t.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_user'], exclude_filter_resources: [] });
      expect(res.status).toBe(400);
      expect(await count()).toBe(before);
    });

    it('400 for a directory that leaves the job folder', async () => {
      const res = await t.http.post('/api/v1/exports').send({ directory: '../../etc' });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].pointer).toBe('/directory');
    });

    it('400 for malformed JSON', async () => {
      const res = await t.http
        .post('/api/v1/exports')
        .set('Content-Type', 'application/json')
        .send('{"export_format":');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    it('415 for a body that is not JSON', async () => {
      const res = await t.http
        .post('/api/v1/exports')
        .set('Content-Type', 'text/plain')
        .send('export_format=hcl');
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const form = await t.http.post('/api/v1/exports').type('form').send({ export_format: 'hcl' });
      expect(form.status).toBe(415);
    });

    it('413 for an oversized body', async () => {
      const res = await t.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: Array(5000).fill('genesyscloud_user::some-long-regex-value') });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    it.each(['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '..%2F..%2Fetc'])(
      '404 problem for unknown or malformed job id %s, on every job route',
      async (id) => {
        for (const [method, suffix] of [
          ['get', ''],
          ['delete', ''],
          ['get', '/results'],
          ['get', '/download'],
        ] as const) {
          const res = await t.http[method](`/api/v1/exports/${id}${suffix}`);
          expect(res.status).toBe(404);
          expect(res.headers['content-type']).toMatch(PROBLEM);
          expect(res.body.status).toBe(404);
        }
      },
    );

    it('404 problem for unknown routes, without a stack trace', async () => {
      const res = await outsideTheApi(
        t.http.get('/api/v2/nothing'),
        'an unknown route, which no operation answers',
      );
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.text).not.toMatch(/at .*\.js:\d+/);
    });
  });

  describe('conditional polls', () => {
    it('answers 304 to If-None-Match while the job is unchanged, and the new state once it changed', async () => {
      const id = await startExport({
        include_filter_resources: ['genesyscloud_user::standin:sleep=3000'],
        directory: 'etag',
      });
      const running = await waitForJob(t.http, id, ['running']);
      expect(running.status).toBe('running');
      const first = await t.http.get(`/api/v1/exports/${id}`);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await t.http.get(`/api/v1/exports/${id}`).set('If-None-Match', etag);
      if (again.status === 304) {
        expect(again.text).toBe('');
        expect(again.headers.etag).toBe(etag);
        expect(again.headers['job-status']).toBe('running');
      } else {
        // Progress moved between the two polls: then the answer is the new representation.
        expect(again.status).toBe(200);
        expect(again.headers.etag).not.toBe(etag);
      }
      expect(
        (await t.http.get(`/api/v1/exports/${id}`).set('If-None-Match', `W/${etag}, "other"`)).status,
      ).toBe(again.status === 304 ? 304 : 200);

      await waitForJob(t.http, id);
      const done = await t.http.get(`/api/v1/exports/${id}`).set('If-None-Match', etag);
      expect(done.status).toBe(204);
      expect(done.headers['job-status']).toBe('completed');
      const doneAgain = await t.http.get(`/api/v1/exports/${id}`).set('If-None-Match', done.headers.etag);
      expect(doneAgain.status).toBe(304);
      expect(doneAgain.headers['job-status']).toBe('completed');
    });
  });

  describe('listing', () => {
    it('lists jobs newest first, a page at a time through opaque cursors, and filtered by status', async () => {
      const ids: string[] = [];
      for (const directory of ['list-a', 'list-b', 'list-c'])
        ids.push(await startExport({ ...FAST_FILTER, directory }));
      const page = await t.http.get('/api/v1/exports?limit=2');
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ limit: 2, has_more: true, next_cursor: expect.any(String) });
      expect(page.body.total).toBeUndefined(); // no count of all the caller's jobs on every page
      expect(page.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[2], ids[1]]);
      expect(page.body.next).toBe(`/api/v1/exports?limit=2&cursor=${page.body.next_cursor}`);
      expect(page.headers.link).toBe(`<${page.body.next}>; rel="next"`);

      const next = await t.http.get(page.body.next);
      expect(next.status).toBe(200);
      expect(next.body.jobs[0].job_id).toBe(ids[0]);

      // Walking the whole list by cursors visits every job once, in order, and ends with has_more false.
      const everything = (await t.http.get('/api/v1/exports?limit=100')).body.jobs.map(
        (j: { job_id: string }) => j.job_id,
      );
      const walked: string[] = [];
      let url: string | null = '/api/v1/exports?limit=1';
      let last: { has_more: boolean; next: string | null; next_cursor: string | null } | undefined;
      while (url) {
        const res = await t.http.get(url);
        walked.push(...res.body.jobs.map((j: { job_id: string }) => j.job_id));
        last = res.body;
        url = res.body.next;
      }
      expect(walked).toEqual(everything);
      expect(last).toMatchObject({ has_more: false, next: null, next_cursor: null });

      for (const id of ids) await waitForJob(t.http, id);
      const failed = await t.http.get('/api/v1/exports?status=failed&limit=100');
      expect(failed.body.jobs.every((j: { status: string }) => j.status === 'failed')).toBe(true);
      expect(failed.body.jobs.length).toBeGreaterThan(0);
      const completed = await t.http.get('/api/v1/exports?status=completed&limit=1');
      if (completed.body.has_more)
        expect(completed.body.next).toMatch(/^\/api\/v1\/exports\?status=completed&limit=1&cursor=/);
    });

    it('continues after jobs created in the same microsecond (ties broken by id), skipping none', async () => {
      const owner = 'service';
      await withClient(t.databaseUrl, (c) =>
        c.query(
          `INSERT INTO export_jobs (id, status, progress, parameters, owner, owner_kind, owner_id, credential_source,
                                    created_at, updated_at)
           SELECT gen_random_uuid(), 'failed', 0, '{}'::jsonb, $1, 'service', $1, 'environment',
                  '2001-01-01 00:00:00.000001+00', now()
             FROM generate_series(1, 5)`,
          [owner],
        ),
      );
      const tied = await withClient(t.databaseUrl, (c) =>
        c.query<{ id: string }>(
          "SELECT id FROM export_jobs WHERE created_at = '2001-01-01 00:00:00.000001+00' ORDER BY id",
        ),
      );
      const seen: string[] = [];
      let url: string | null = '/api/v1/exports?status=failed&limit=2';
      while (url) {
        const res = await t.http.get(url);
        seen.push(...res.body.jobs.map((j: { job_id: string }) => j.job_id));
        url = res.body.next;
      }
      expect(seen.filter((id) => tied.rows.some((row) => row.id === id))).toEqual(
        tied.rows.map((row) => row.id),
      );
    });

    it('400 for bad list parameters', async () => {
      expect((await t.http.get('/api/v1/exports?limit=0')).status).toBe(400);
      expect((await t.http.get('/api/v1/exports?limit=abc')).status).toBe(400);
      expect((await t.http.get('/api/v1/exports?status=done')).status).toBe(400);
      // Deep pages come from a cursor, not an offset.
      expect((await t.http.get('/api/v1/exports?offset=2')).status).toBe(400);
      const forged = await t.http.get(
        `/api/v1/exports?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`,
      );
      expect(forged.status).toBe(400);
      expect(forged.body.type).toBe('urn:genesyscloud-export-server:problem:invalid-cursor');
    });
  });
});
