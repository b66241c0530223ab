import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadAppConfig } from '../src/config/app-config';
import { JobFiles } from '../src/files/job-files';
import { execFileAsync, findProgram, MIB, runBench } from './support/bench-kit';

/**
 * Packaging an export: the service's zip (JobFiles.buildZip, in this process, so its event loop
 * is the one measured) against Info-ZIP `zip -r -6` on the same tree, alternating rounds. Reports
 * MiB/s, the longest event-loop stall while packaging and the peak RSS growth; during the `zip`
 * rounds this process idles, which gives the machine's own event-loop noise. Ratio last.
 *
 *   npm run bench:zip                                      # 513 MiB in 2,000 files, 2 rounds
 *   BENCH_EXPORT_MB=128 BENCH_FILES=500 npm run bench:zip
 */
const EXPORT_MB = Number(process.env.BENCH_EXPORT_MB ?? 513);
const FILES = Number(process.env.BENCH_FILES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const JOB_ID = '00000000-0000-4000-8000-000000000000';

interface Measured {
  seconds: number;
  maxStallMs: number;
  rssGrowthMiB: number;
}

runBench('zip', async (run) => {
  const zipProgram = findProgram('zip');
  if (!zipProgram)
    console.log('Info-ZIP zip is not installed (apt-get install zip): only the service is measured');
  const config = loadAppConfig({ EXPORT_BASE_DIR: path.join(run.root, 'exports') });
  const files = new JobFiles(config);
  const jobDir = files.jobDirectory(JOB_ID);
  console.log(`writing ${EXPORT_MB} MiB in ${FILES} Terraform-like files ...`);
  await writeExport(path.join(jobDir, 'genesyscloud'), EXPORT_MB * MIB, FILES);
  const listing = await files.list(JOB_ID);

  const service: Measured[] = [];
  const reference: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (zipProgram) {
      const target = path.join(run.root, 'reference.zip');
      await rm(target, { force: true });
      reference.push(await measure(() => runZip(zipProgram, target, jobDir)));
    }
    service.push(await measure(() => files.buildZip(JOB_ID, listing)));
  }
  const zipMiB = (await stat(files.zipFile(JOB_ID))).size / MIB;
  const print = (name: string, rounds: Measured[]) => {
    const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0) / rounds.length;
    console.log(
      `${name}: ${(EXPORT_MB / seconds).toFixed(1)} MiB/s, longest event-loop stall ` +
        `${Math.max(...rounds.map((r) => r.maxStallMs)).toFixed(1)} ms, peak RSS growth ` +
        `${Math.max(...rounds.map((r) => r.rssGrowthMiB)).toFixed(0)} MiB`,
    );
    return EXPORT_MB / seconds;
  };
  console.log(`zip: ${zipMiB.toFixed(0)} MiB (level ${config.zipLevel})`);
  const serviceRate = print('service zip', service);
  if (zipProgram) {
    const referenceRate = print('zip -r -6 (this process idle)', reference);
    console.log(`zip: service / zip -r -6 = ${(serviceRate / referenceRate).toFixed(2)} (goal >= 1.00)`);
  }
});

async function runZip(program: string, target: string, cwd: string): Promise<void> {
  await execFileAsync(program, ['-q', '-r', '-6', target, '.'], { cwd });
}

async function measure(work: () => Promise<void>): Promise<Measured> {
  global.gc?.();
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  stalls.enable();
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  stalls.disable();
  clearInterval(sampler);
  return { seconds, maxStallMs: stalls.max / 1e6, rssGrowthMiB: (peak - baseline) / MIB };
}

/**
 * Terraform-like text with random values (about 1.4:1 under deflate), spread over 20 type folders.
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
