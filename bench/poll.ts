import * as path from 'node:path';
import { Client } from 'pg';
import { encodeListCursor } from '../src/exports/list-cursor';
import { cpuSeconds, LoadResult, runBench, wrk } from './support/bench-kit';
import { completedJobVia, serviceEnv } from './support/jobs';

/**
 * Polls, lists and scrapes at 100k jobs: the service against a bare `node:http` + `pg` server doing
 * the same primary-key lookup or keyset query (bench/support/bare-server.ts), side by side, ratios
 * last. The service runs with its defaults except the rate limits, raised so the load is not
 * refused (rate limiting is measured by bench:rate-limits).
 *
 *   npm run bench:poll                     # 100k jobs, 64 connections, 3 alternating rounds of 5 s
 *   BENCH_JOBS=20000 BENCH_SECONDS=3 BENCH_ROUNDS=2 npm run bench:poll
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 64;

runBench('poll', async (run) => {
  const databaseUrl = await run.database();
  const service = await run.service({
    ...serviceEnv(databaseUrl, path.join(run.root, 'exports')),
    // Polls have a budget of their own (POLL_RATE_LIMIT_PER_MINUTE): without it most polls are 429s.
    RATE_LIMIT_PER_MINUTE: '100000',
    POLL_RATE_LIMIT_PER_MINUTE: '100000',
  });
  // A job that stays running (the stand-in sleeps for 10 minutes) and one that completed, both real.
  const running = await startedJobVia(service.url);
  const completed = await completedJobVia(service.url, ['genesyscloud_user']);
  console.log(`seeding ${JOBS} finished jobs ...`);
  const deepCursor = await seed(databaseUrl, JOBS);
  const bare = await run.node(path.resolve(__dirname, 'support/bare-server.js'), {
    DATABASE_URL: databaseUrl,
  });

  const lines: string[] = [];
  /** Load on one server, with the CPU its process used per request. */
  const measure = async (pid: number, url: string, connections: number, headers = {}) => {
    const cpuBefore = await cpuSeconds(pid);
    const result = await wrk(url, { connections, seconds: SECONDS, headers });
    const cpuMs = ((await cpuSeconds(pid)) - cpuBefore) * 1000;
    return { ...result, cpuMs };
  };
  /** ROUNDS alternating measurements of each side, so both see the same spells of machine load. */
  const pair = async (
    label: string,
    servicePath: string,
    barePath: string,
    connections: number,
    headers = {},
  ) => {
    const sides = { service: [] as Measured[], reference: [] as Measured[] };
    for (let round = 0; round < ROUNDS; round++) {
      sides.reference.push(await measure(bare.process.pid!, `${bare.url}${barePath}`, connections));
      sides.service.push(
        await measure(service.process.pid!, `${service.url}${servicePath}`, connections, headers),
      );
    }
    const measured = combine(sides.service);
    const reference = combine(sides.reference);
    print(`${label}, service`, measured);
    print(`${label}, bare node:http + pg`, reference);
    lines.push(
      `${label}: throughput ${(measured.requestsPerSecond / reference.requestsPerSecond).toFixed(2)}x the bare server, ` +
        `p99 ${(measured.p99Ms / reference.p99Ms).toFixed(2)}x, CPU per request ` +
        `${(measured.cpuMsPerRequest / reference.cpuMsPerRequest).toFixed(1)}x`,
    );
    return measured;
  };

  const runningPoll = await pair(
    'poll a running job, 64 connections',
    `/api/v1/exports/${running}`,
    `/jobs/${running}`,
    CONNECTIONS,
  );
  await pair(
    'poll a completed job (204), 64 connections',
    `/api/v1/exports/${completed}`,
    `/jobs/${completed}`,
    CONNECTIONS,
  );
  const etag = await etagOf(`${service.url}/api/v1/exports/${running}`);
  if (etag) {
    await pair(
      'poll a running job with If-None-Match (304), 64 connections',
      `/api/v1/exports/${running}`,
      `/jobs/${running}`,
      CONNECTIONS,
      {
        'If-None-Match': etag,
      },
    );
  }
  await pair('list, first page, 1 connection', '/api/v1/exports?limit=20', '/list?owner=service&limit=20', 1);
  await pair(
    `list, page after job ${JOBS - 100}, 1 connection`,
    `/api/v1/exports?limit=20&cursor=${deepCursor.cursor}`,
    `/list?owner=service&limit=20&before=${encodeURIComponent(deepCursor.createdAt)},${deepCursor.id}`,
    1,
  );
  const metrics = await measure(service.process.pid!, `${service.url}/metrics`, 1);
  print(`/metrics at ${JOBS} jobs, 1 connection`, metrics);
  // A refused poll (429) is cheaper than an answered one: figures with refusals compare nothing.
  if (runningPoll.errors > 0) lines.push(`WARNING: ${runningPoll.errors} poll answers were not 2xx/3xx`);
  lines.push(`/metrics scrape at ${JOBS} jobs: p50 ${metrics.p50Ms.toFixed(1)} ms`);
  for (const line of lines) console.log(line);
});

type Measured = LoadResult & { cpuMs: number };

/** Rounds together: mean throughput and p99, CPU per request over all requests. */
function combine(rounds: Measured[]): LoadResult & { cpuMsPerRequest: number } {
  const mean = (pick: (r: Measured) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const requests = rounds.reduce((sum, r) => sum + r.requestsPerSecond * SECONDS, 0);
  return {
    requestsPerSecond: mean((r) => r.requestsPerSecond),
    bytesPerSecond: mean((r) => r.bytesPerSecond),
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    cpuMsPerRequest: rounds.reduce((sum, r) => sum + r.cpuMs, 0) / requests,
  };
}

function print(label: string, result: LoadResult & { cpuMsPerRequest?: number }): void {
  console.log(
    `${label}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
      (result.cpuMsPerRequest === undefined ? '' : `, CPU ${result.cpuMsPerRequest.toFixed(3)} ms/request`) +
      (result.errors > 0 ? `, ${result.errors} non-2xx/3xx` : ''),
  );
}

async function startedJobVia(baseUrl: string): Promise<string> {
  const created = await fetch(`${baseUrl}/api/v1/exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ include_filter_resources: ['genesyscloud_user::standin:sleep=600000'] }),
  });
  if (created.status !== 202) throw new Error(`POST answered ${created.status}`);
  const { job_id: jobId } = (await created.json()) as { job_id: string };
  for (;;) {
    const job = (await (await fetch(`${baseUrl}/api/v1/exports/${jobId}`)).json()) as { status: string };
    if (job.status === 'running') return jobId;
    if (job.status !== 'pending') throw new Error(`the running bench job is ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function etagOf(url: string): Promise<string | null> {
  return (await fetch(url)).headers.get('etag');
}

/** `count` finished jobs of the service principal, one a second into the past; the cursor ~100 from the end. */
async function seed(
  databaseUrl: string,
  count: number,
): Promise<{ cursor: string; createdAt: string; id: string }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO export_jobs (id, status, progress, parameters, owner, owner_kind, owner_id, credential_source,
                                created_at, updated_at, completed_at)
       SELECT gen_random_uuid(), 'completed', 100, '{}'::jsonb, 'service', 'service', 'service', 'environment',
              now() - i * interval '1 second', now(), now()
         FROM generate_series(1, $1::int) AS i`,
      [count],
    );
    await client.query('ANALYZE export_jobs');
    const { rows } = await client.query<{ created_at: string; id: string }>(
      `SELECT created_at::text AS created_at, id FROM export_jobs WHERE owner = 'service'
        ORDER BY created_at DESC, id OFFSET $1 LIMIT 1`,
      [count - 100],
    );
    const last = { createdAt: rows[0].created_at, id: rows[0].id };
    return { cursor: encodeListCursor(last), ...last };
  } finally {
    await client.end();
  }
}
