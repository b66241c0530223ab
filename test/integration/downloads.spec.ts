import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { binaryParser, readZipEntries, waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const STORED = 0;
const DEFLATED = 8;
/** Two random 300 kB assets next to the Terraform JSON: incompressible, so they are stored. */
const WITH_ASSETS = {
  include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:big-files=2x300000'],
};

async function completedExport(t: TestApp): Promise<string> {
  const res = await t.http.post('/api/v1/exports').send(WITH_ASSETS);
  expect(res.status).toBe(202);
  const job = await waitForJob(t.http, res.body.job_id);
  expect(job.status).toBe('completed');
  return res.body.job_id;
}

describe('download zips and their transfer (real HTTP, PostgreSQL and the Terraform stand-in)', () => {
  describe('with the defaults', () => {
    let t: TestApp;
    let jobId: string;
    let whole: Buffer;
    let etag: string;

    beforeAll(async () => {
      t = await startTestApp({ env: ENV_CREDENTIALS });
      jobId = await completedExport(t);
      const res = await t.http.get(`/api/v1/exports/${jobId}/download`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      whole = res.body;
      etag = res.headers.etag;
    });
    afterAll(() => t.dispose());

    it('deflates the Terraform files and stores the incompressible ones', async () => {
      const entries = await readZipEntries(whole);
      const methods = Object.fromEntries(
        [...entries].map(([name, entry]) => [name, entry.compressionMethod]),
      );
      const assets = Object.keys(methods).filter((name) => name.includes('response_assets/'));
      expect(assets).toHaveLength(2);
      for (const asset of assets) expect(methods[asset]).toBe(STORED);
      expect(methods['genesyscloud/genesyscloud.tf.json']).toBe(DEFLATED);
      for (const [name, entry] of entries) {
        expect(entry.content.equals(await readFile(path.join(t.exportBaseDir, jobId, name)))).toBe(true);
      }
    });

    it('answers a single range with 206 and the bytes of that range', async () => {
      const res = await t.http
        .get(`/api/v1/exports/${jobId}/download`)
        .set('Range', 'bytes=1000-1999')
        .buffer(true)
        .parse(binaryParser);
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 1000-1999/${whole.length}`);
      expect(res.body.equals(whole.subarray(1000, 2000))).toBe(true);
    });

    it('resumes with If-Range when the ETag still matches, and sends the whole zip when it does not', async () => {
      const resumed = await t.http
        .get(`/api/v1/exports/${jobId}/download`)
        .set('Range', `bytes=${whole.length - 10}-`)
        .set('If-Range', etag)
        .buffer(true)
        .parse(binaryParser);
      expect(resumed.status).toBe(206);
      expect(resumed.body.equals(whole.subarray(whole.length - 10))).toBe(true);

      const changed = await t.http
        .get(`/api/v1/exports/${jobId}/download`)
        .set('Range', 'bytes=10-')
        .set('If-Range', '"another-version"')
        .buffer(true)
        .parse(binaryParser);
      expect(changed.status).toBe(200);
      expect(changed.body.equals(whole)).toBe(true);
    });

    it('answers 416 with the size to a range past the end', async () => {
      const res = await t.http
        .get(`/api/v1/exports/${jobId}/download`)
        .set('Range', `bytes=${whole.length}-`);
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${whole.length}`);
    });
  });

  describe('with ZIP_LEVEL=0 and DOWNLOAD_ACCEL_REDIRECT', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        env: { ...ENV_CREDENTIALS, ZIP_LEVEL: '0', DOWNLOAD_ACCEL_REDIRECT: '/protected-exports/' },
      });
    });
    afterAll(() => t.dispose());

    it('hands the transfer to the fronting proxy: X-Accel-Redirect names the zip, the body is empty', async () => {
      const jobId = await completedExport(t);
      const res = await t.http.get(`/api/v1/exports/${jobId}/download`).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['x-accel-redirect']).toBe(`/protected-exports/${jobId}/export.zip`);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="export-${jobId}.zip"`);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.body.length).toBe(0);

      // What the proxy then serves: the zip in the job's folder, every entry stored at level 0.
      const entries = await readZipEntries(await readFile(path.join(t.exportBaseDir, jobId, 'export.zip')));
      expect(entries.size).toBe(3);
      for (const [name, entry] of entries) expect([name, entry.compressionMethod]).toEqual([name, STORED]);
    });
  });
});
