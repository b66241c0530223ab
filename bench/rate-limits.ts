import * as path from 'node:path';
import { runBench } from './support/bench-kit';
import { serviceEnv } from './support/jobs';

/**
 * A well-behaved client under the default rate limits: it creates 20 exports at once, then polls
 * each one as its `Retry-After` says until all have finished (following `Retry-After` on a 429 too).
 * Counts the 429s it got, which should be none.
 *
 *   npm run bench:rate-limits              # 20 jobs of about 10 s each (5 run at a time)
 *   BENCH_JOBS=10 BENCH_JOB_MS=3000 npm run bench:rate-limits
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 20);
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 10_000);

runBench('rate-limits', async (run) => {
  const databaseUrl = await run.database();
  const service = await run.service(serviceEnv(databaseUrl, path.join(run.root, 'exports')));
  let requests = 0;
  let refused = 0;
  /** A request, repeated after Retry-After while it is refused with 429. */
  const call = async (url: string, init?: RequestInit): Promise<Response> => {
    for (;;) {
      requests += 1;
      const res = await fetch(url, init);
      if (res.status !== 429) return res;
      refused += 1;
      await res.arrayBuffer();
      await sleepSeconds(Number(res.headers.get('retry-after') ?? 1));
    }
  };

  const started = Date.now();
  const ids = await Promise.all(
    Array.from({ length: JOBS }, async (_, i) => {
      const res = await call(`${service.url}/api/v1/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Each job differs (an identical unfinished one would be a 409).
        body: JSON.stringify({
          include_filter_resources: [`genesyscloud_user::standin:sleep=${JOB_MS}`],
          directory: `job-${i}`,
        }),
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { job_id: string }).job_id;
    }),
  );
  await Promise.all(
    ids.map(async (id) => {
      for (;;) {
        const res = await call(`${service.url}/api/v1/exports/${id}`);
        await res.arrayBuffer();
        const status = res.headers.get('job-status');
        if (status !== 'pending' && status !== 'running') return;
        await sleepSeconds(Number(res.headers.get('retry-after') ?? 5));
      }
    }),
  );
  console.log(
    `${JOBS} jobs finished in ${((Date.now() - started) / 1000).toFixed(0)} s, ${requests} requests`,
  );
  console.log(
    `rate limits: ${refused} of ${requests} requests answered 429 (goal 0) ${refused === 0 ? 'MET' : 'NOT MET'}`,
  );
});

function sleepSeconds(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
