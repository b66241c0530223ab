import * as path from 'node:path';
import { stat } from 'node:fs/promises';
import { MIB, runBench, wrk } from './support/bench-kit';
import { completedJobVia, serviceEnv } from './support/jobs';

/**
 * Download throughput of one large export zip: the service (`GET /download`) against nginx with
 * sendfile serving the same file, 1 and 8 clients, alternating rounds; and, when nginx is there,
 * the service behind nginx with DOWNLOAD_ACCEL_REDIRECT. Ratios last.
 *
 *   npm run bench:download                     # a 300 MiB zip, 3 rounds of 5 s per pair
 *   BENCH_ZIP_MB=100 BENCH_SECONDS=3 npm run bench:download
 */
const ZIP_MB = Number(process.env.BENCH_ZIP_MB ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ACCEL_PREFIX = '/protected-exports/';

runBench('download', async (run) => {
  const databaseUrl = await run.database();
  const exportBaseDir = path.join(run.root, 'exports');
  // The job is made by the real runner (the test stand-in for Terraform writing one random file of
  // ZIP_MB): the zip is then about that size, since random bytes are stored, not deflated.
  const direct = await run.service(serviceEnv(databaseUrl, exportBaseDir));
  const jobId = await completedJobVia(direct.url, [`genesyscloud_user::standin:big-files=1x${ZIP_MB}M`]);
  const zipPath = `/${jobId}/export.zip`;
  const zipBytes = (await stat(path.join(exportBaseDir, zipPath))).size;
  console.log(`zip of ${(zipBytes / MIB).toFixed(0)} MiB; ${ROUNDS} rounds of ${SECONDS} s per pair`);

  const accelerated = await run.service({
    ...serviceEnv(databaseUrl, exportBaseDir),
    DOWNLOAD_ACCEL_REDIRECT: ACCEL_PREFIX,
  });
  const nginx = await run.nginx(
    exportBaseDir,
    `location /api/ { proxy_pass ${accelerated.url}; proxy_buffering off; }
    location ${ACCEL_PREFIX} { internal; alias ${exportBaseDir}/; }`,
  );
  if (!nginx) console.log('nginx is not installed (apt-get install nginx): the nginx pairs are skipped');

  const downloadPath = `/api/v1/exports/${jobId}/download`;
  const results: string[] = [];
  for (const clients of [1, 8]) {
    const service: number[] = [];
    const reference: number[] = [];
    const proxied: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (nginx) reference.push(await throughput(`${nginx.url}${zipPath}`, clients));
      service.push(await throughput(`${direct.url}${downloadPath}`, clients));
      if (nginx) proxied.push(await throughput(`${nginx.url}${downloadPath}`, clients));
    }
    const serviceMiBs = mean(service);
    console.log(`${clients} client(s): service ${serviceMiBs.toFixed(0)} MiB/s`);
    if (nginx) {
      const nginxMiBs = mean(reference);
      const proxiedMiBs = mean(proxied);
      console.log(`${clients} client(s): nginx sendfile ${nginxMiBs.toFixed(0)} MiB/s`);
      console.log(
        `${clients} client(s): service behind nginx, X-Accel-Redirect ${proxiedMiBs.toFixed(0)} MiB/s`,
      );
      results.push(
        `download ${clients} client(s): service / nginx = ${(serviceMiBs / nginxMiBs).toFixed(2)} (goal >= 0.80), ` +
          `X-Accel-Redirect / nginx = ${(proxiedMiBs / nginxMiBs).toFixed(2)}`,
      );
    }
  }
  for (const line of results) console.log(line);
});

/** MiB/s of `clients` connections downloading `url` whole again and again for SECONDS. */
async function throughput(url: string, clients: number): Promise<number> {
  const result = await wrk(url, { connections: clients, seconds: SECONDS });
  if (result.errors > 0) throw new Error(`${url}: ${result.errors} answers were not 2xx`);
  return result.bytesPerSecond / MIB;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
