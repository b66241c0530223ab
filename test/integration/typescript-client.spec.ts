import { execFile } from 'node:child_process';
import * as path from 'node:path';
import {
  createExportServerClient,
  ExportServerClient,
  isUnfinished,
  JobStatus,
  jobStatusOf,
} from '../../clients/typescript/src';
import { readZip, sleep } from '../support/jobs';
import { contractCheckedFetch } from '../support/openapi-contract';
import { startTestApp, TEST_TOKEN, TestApp } from '../support/test-app';

const ROOT = path.resolve(__dirname, '../..');

function run(command: string, args: string[]): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT }, (error, _stdout, stderr) => {
      resolve({
        exitCode: typeof error?.code === 'number' ? error.code : error ? -1 : 0,
        stderr: stderr.trim(),
      });
    });
  });
}

describe('clients/typescript', () => {
  it('is what openapi-typescript generates from the committed openapi.json (run `npm run openapi`)', async () => {
    // --check generates in memory and compares with the committed file: exit 1 when they differ.
    const check = await run('npm', ['run', '--silent', 'openapi:client', '--', '--check']);
    expect({ exitCode: check.exitCode, stderr: check.stderr }).toEqual({ exitCode: 0, stderr: '' });
  });
});

describe('the generated TypeScript client against the real server', () => {
  let t: TestApp;
  let client: ExportServerClient;

  beforeAll(async () => {
    t = await startTestApp();
    // Every answer the client gets is also checked against openapi.json, as startTestApp's agent does.
    client = createExportServerClient({
      baseUrl: await t.app.getUrl(),
      token: TEST_TOKEN,
      fetch: contractCheckedFetch,
    });
  });
  afterAll(() => t.dispose());

  /** Polls (bounded) through `Job-Status` alone, which every answer carries, the body-less 204 too. */
  async function pollToTheEnd(id: string): Promise<JobStatus | undefined> {
    for (let polls = 0; polls < 300; polls++) {
      const { response } = await client.GET('/api/v1/exports/{id}', { params: { path: { id } } });
      const status = jobStatusOf(response);
      if (!status || !isUnfinished(status)) return status;
      await sleep(100);
    }
    throw new Error(`job ${id} did not end`);
  }

  let completedId = '';

  it('creates an export, polls it to completion, reads its results and downloads the zip', async () => {
    const created = await client.POST('/api/v1/exports', {
      body: { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group'] },
    });
    expect(created.response.status).toBe(202);
    expect(created.error).toBeUndefined();
    const id = created.data?.job_id ?? '';
    expect(created.data?.status).toBe('pending');
    expect(jobStatusOf(created.response)).toBe('pending');
    expect(created.response.headers.get('Location')).toBe(`/api/v1/exports/${id}`);

    expect(await pollToTheEnd(id)).toBe('completed');
    completedId = id;

    const results = await client.GET('/api/v1/exports/{id}/results', { params: { path: { id } } });
    expect(results.response.status).toBe(200);
    // 200 is the files, or the job itself for an unfinished job asked with Prefer: return=representation.
    if (!results.data || !('files' in results.data))
      throw new Error(`no results: ${JSON.stringify(results.data)}`);
    expect(results.data.status).toBe('completed');
    expect(results.data.download_url).toBe(`/api/v1/exports/${id}/download`);
    const listed = results.data.files.map((file) => file.name);
    expect(listed).toEqual(['genesyscloud/genesyscloud.tf.json']);

    const download = await client.GET('/api/v1/exports/{id}/download', {
      params: { path: { id } },
      parseAs: 'arrayBuffer',
    });
    expect(download.response.status).toBe(200);
    expect(download.response.headers.get('Content-Type')).toBe('application/zip');
    const zip = await readZip(Buffer.from(download.data ?? new ArrayBuffer(0)));
    expect([...zip.keys()]).toEqual(listed);
    const config: unknown = JSON.parse(zip.get(listed[0])?.toString('utf8') ?? 'null');
    expect(config).toEqual(
      expect.objectContaining({
        resource: expect.objectContaining({ genesyscloud_user: expect.any(Object) }),
      }),
    );
  });

  let cancelledId = '';

  it('cancels a slow job: 200 with the cancelled job, then its state says cancelled', async () => {
    const created = await client.POST('/api/v1/exports', {
      body: { include_filter_resources: ['genesyscloud_user::standin:hang'] },
    });
    expect(created.response.status).toBe(202);
    const id = created.data?.job_id ?? '';

    const cancelled = await client.DELETE('/api/v1/exports/{id}', { params: { path: { id } } });
    expect(cancelled.response.status).toBe(200);
    expect(cancelled.data?.job_id).toBe(id);
    expect(cancelled.data?.status).toBe('cancelled');
    expect(jobStatusOf(cancelled.response)).toBe('cancelled');

    const job = await client.GET('/api/v1/exports/{id}', {
      params: { path: { id }, header: { Prefer: 'return=representation' } },
    });
    expect(job.response.status).toBe(200);
    expect(job.data?.status).toBe('cancelled');
    expect(job.data?.cancelled_at).toEqual(expect.any(String));
    cancelledId = id;
  });

  it('lists the jobs a page at a time, newest first, through the cursor', async () => {
    const first = await client.GET('/api/v1/exports', { params: { query: { limit: 1 } } });
    expect(first.response.status).toBe(200);
    expect(first.data?.jobs.map((job) => job.job_id)).toEqual([cancelledId]);
    expect(first.data?.has_more).toBe(true);
    const cursor = first.data?.next_cursor ?? undefined;
    expect(cursor).toEqual(expect.any(String));

    const second = await client.GET('/api/v1/exports', { params: { query: { limit: 1, cursor } } });
    expect(second.response.status).toBe(200);
    expect(second.data?.jobs.map((job) => job.job_id)).toEqual([completedId]);
    expect(second.data?.has_more).toBe(false);
  });

  it('receives a 400 as a typed problem document naming the field', async () => {
    const refused = await client.GET('/api/v1/exports', { params: { query: { limit: 0 } } });
    expect(refused.response.status).toBe(400);
    expect(refused.response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
    expect(refused.data).toBeUndefined();
    expect(refused.error?.status).toBe(400);
    expect(refused.error?.title).toEqual(expect.any(String));
    expect((refused.error?.errors ?? []).map((problem) => problem.pointer)).toContain('/limit');
  });

  it('receives a 404 as a typed problem document', async () => {
    const unknown = await client.GET('/api/v1/exports/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.status).toBe(404);
    expect(unknown.error?.title).toBe('Not Found');
    expect(unknown.error?.detail).toEqual(expect.any(String));
  });
});
