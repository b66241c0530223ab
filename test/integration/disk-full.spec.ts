import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitForJob, waitForRemoval } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

/** A 2 MiB tmpfs as EXPORT_BASE_DIR. Mounting needs root; elsewhere the test is reported as skipped. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'export-server-small-disk-'));
const mounted =
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
if (!mounted) console.log('skipped: disk-full test: cannot mount a size-limited tmpfs here (needs root)');

(mounted ? describe : describe.skip)('a full disk', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS, exportBaseDir: dir });
  });
  afterAll(async () => {
    await t.close();
    await t.database.drop();
  });

  it('fails the job with a message naming the cause, and the server goes on serving other jobs', async () => {
    const big = await t.http.post('/api/v1/exports').send({
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:big-files=12x250000'],
    });
    const failed = await waitForJob(t.http, big.body.job_id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/no space left on device/i);

    const small = await t.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user'] });
    expect((await waitForJob(t.http, small.body.job_id)).status).toBe('completed');
    expect((await t.http.get(`/api/v1/exports/${small.body.job_id}/download`)).status).toBe(200);
  });

  it('an export that fits but whose zip does not: failed naming the cause, the partial zip removed', async () => {
    // About 1.2 MB of random (incompressible) files: the export fits, its zip does not.
    const fits = await t.http.post('/api/v1/exports').send({
      include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:big-files=5x250000'],
    });
    const failed = await waitForJob(t.http, fits.body.job_id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/could not be packaged: .*no space left on device/i);
    await waitForRemoval([path.join(dir, fits.body.job_id)]);
    expect(existsSync(path.join(dir, fits.body.job_id))).toBe(false);
    const partials = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.partial'));
    expect(partials).toEqual([]);
    // The space is given back: the next export completes.
    const small = await t.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_team'] });
    expect((await waitForJob(t.http, small.body.job_id)).status).toBe('completed');
  });
});

afterAll(async () => {
  if (mounted) spawnSync('umount', [dir]);
  await rm(dir, { recursive: true, force: true });
});
