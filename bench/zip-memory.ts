import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { createApp } from '../src/app.factory';
import { loadAppConfig } from '../src/config/app-config';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { JobFiles } from '../src/files/job-files';
import { JobStore } from '../src/jobs/job-store';

/**
 * Memory and speed of building and downloading a large export's zip, through the real JobFiles
 * and the real HTTP endpoint. Prints peak RSS growth over the baseline and throughput.
 *
 *   npm run bench:zip                              # 1 GiB in 2000 files
 *   BENCH_EXPORT_MB=256 BENCH_FILES=500 npm run bench:zip
 */
const EXPORT_MB = Number(process.env.BENCH_EXPORT_MB ?? 1024);
const FILES = Number(process.env.BENCH_FILES ?? 2000);
const MB = 1024 * 1024;

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'export-bench-'));
  await chmod(root, 0o755); // the embedded PostgreSQL may run as another user

  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres(path.join(root, 'pg'), { persistent: false });
  try {
    const config = loadAppConfig({
      DATABASE_URL: process.env.DATABASE_URL ?? embedded!.url,
      EXPORT_BASE_DIR: path.join(root, 'exports'),
      TERRAFORM_BIN: '/nonexistent/terraform',
      GENESYSCLOUD_OAUTHCLIENT_ID: 'bench',
      GENESYSCLOUD_OAUTHCLIENT_SECRET: 'bench',
      GENESYSCLOUD_REGION: 'bench',
      LOG_LEVEL: 'silent',
    });
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const port = ((app.getHttpServer() as http.Server).address() as AddressInfo).port;
    const store = app.get(JobStore);
    const files = app.get(JobFiles);

    const created = await store.create({
      parameters: {},
      owner: 'service',
      credentialSource: 'environment',
      serverId: config.serverId,
    });
    if (created.kind !== 'created') throw new Error(`could not create the bench job: ${created.kind}`);
    const job = created.job;
    await store.transition(job.id, ['pending'], 'running');
    const exportDir = files.exportDirectory(job.id, 'genesyscloud');
    console.log(`writing ${EXPORT_MB} MiB in ${FILES} files ...`);
    await writeExport(exportDir, EXPORT_MB * MB, FILES);
    global.gc?.();

    const build = await measure(async () => files.buildZip(job.id, await files.list(job.id)));
    const zipBytes = (await stat(files.zipFile(job.id))).size;
    await store.transition(job.id, ['running'], 'completed', { progress: 100 });
    report('build zip', build, EXPORT_MB * MB);
    global.gc?.();

    const download = await measure(() => downloadTo(port, `/api/v1/exports/${job.id}/download`));
    report('download zip', download, zipBytes);
    console.log(`zip size: ${(zipBytes / MB).toFixed(1)} MiB`);
    await app.close();
  } finally {
    await embedded?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Terraform-like text with random values, so the zip stays large (about 1.4:1): downloading it
 * then moves hundreds of MiB, not a few.
 */
async function writeExport(dir: string, totalBytes: number, count: number): Promise<void> {
  const perFile = Math.floor(totalBytes / count);
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `type_${i % 20}`);
    await mkdir(sub, { recursive: true });
    const out = createWriteStream(path.join(sub, `resource_${i}.tf`));
    let written = 0;
    for (let n = 0; written < perFile; n++) {
      const value = randomBytes(3072).toString('base64');
      const chunk = `resource "genesyscloud_user" "user_${i}_${n}" {\n  description = "${value}"\n}\n`;
      if (!out.write(chunk)) await once(out, 'drain');
      written += chunk.length;
    }
    out.end();
    await once(out, 'finish');
  }
}

async function downloadTo(port: number, url: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', resolve);
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function measure(work: () => Promise<void>): Promise<{ ms: number; peakGrowth: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = process.hrtime.bigint();
  await work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, peakGrowth: peak - baseline };
}

function report(name: string, result: { ms: number; peakGrowth: number }, bytes: number): void {
  const seconds = result.ms / 1000;
  console.log(
    `${name}: ${seconds.toFixed(1)} s, ${(bytes / MB / seconds).toFixed(1)} MiB/s, peak RSS growth ${(result.peakGrowth / MB).toFixed(1)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
