import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { Agent, request } from 'node:http';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { runBench } from './support/bench-kit';
import { serviceEnv, STANDIN_TERRAFORM } from './support/jobs';

/**
 * Dispatch latency with a free slot: from sending `POST /api/v1/exports` to the exporter's first
 * process starting (its `terraform init`), against a bare claim + spawn in this process (insert a
 * pending row, claim it with the same `FOR UPDATE SKIP LOCKED` query, spawn the same executable).
 * TERRAFORM_BIN is a bash wrapper that writes `$EPOCHREALTIME` before it execs the stand-in, so
 * both sides stop the clock at the same point. The two alternate job by job; ratio of medians last.
 *
 *   npm run bench:dispatch                 # 30 jobs, one after the other
 *   BENCH_JOBS=10 npm run bench:dispatch
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 30);

runBench('dispatch', async (run) => {
  const databaseUrl = await run.database();
  const marks = path.join(run.root, 'marks.log');
  const wrapper = path.join(run.root, 'bin', 'terraform');
  await mkdir(path.dirname(wrapper));
  await writeFile(
    wrapper,
    `#!/bin/bash\nprintf '%s %s\\n' "$EPOCHREALTIME" "$1" >> ${marks}\nexec ${STANDIN_TERRAFORM} "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  await writeFile(marks, '');
  // The bench polls and creates faster than the default rate limits allow; they are not what it measures.
  const service = await run.service({
    ...serviceEnv(databaseUrl, path.join(run.root, 'exports')),
    TERRAFORM_BIN: wrapper,
    RATE_LIMIT_PER_MINUTE: '100000',
    CREATE_RATE_LIMIT_PER_MINUTE: '100000',
    POLL_RATE_LIMIT_PER_MINUTE: '100000',
  });

  /** One job through the API, from the POST to its exporter's first process. */
  const serviceDispatch = async (): Promise<number> => {
    const seen = await markCount(marks);
    const started = epochMs();
    const res = await postJson(`${service.url}/api/v1/exports`, {
      include_filter_resources: ['genesyscloud_user'],
    });
    if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${res.text}`);
    const { job_id: jobId } = JSON.parse(res.text) as { job_id: string };
    const ms = (await nextMark(marks, seen)) - started;
    await waitUntilFinished(service.url, jobId);
    return ms;
  };

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const workspace = path.join(run.root, 'bare-workspace');
  await mkdir(workspace);
  /**
   * The same with nothing around it: insert a pending row, claim it, spawn. The row says its
   * credentials are a bearer token, so that the service (which claims environment jobs, for
   * instance as its last job ends) never takes it first.
   */
  const bareDispatch = async (): Promise<number> => {
    const seen = await markCount(marks);
    const started = epochMs();
    await client.query(
      `INSERT INTO export_jobs (id, status, progress, parameters, owner, owner_kind, owner_id, credential_source,
                                created_at, updated_at)
       VALUES (gen_random_uuid(), 'pending', 0, '{}'::jsonb, 'bare-bench', 'service', 'bare-bench', 'bearer',
               now(), now())`,
    );
    const { rows } = await client.query<{ id: string }>(
      `UPDATE export_jobs SET status = 'running', started_at = now(), updated_at = now()
        WHERE id = (SELECT id FROM export_jobs WHERE status = 'pending' AND owner = 'bare-bench'
                     ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
    );
    const child = spawn(wrapper, ['init', '-input=false'], { cwd: workspace, stdio: 'ignore' });
    const ms = (await nextMark(marks, seen)) - started;
    await new Promise((resolve) => child.once('exit', resolve));
    await client.query(`UPDATE export_jobs SET status = 'failed', updated_at = now() WHERE id = $1`, [
      rows[0].id,
    ]);
    return ms;
  };

  // Alternating, so both sides see the same spells of machine load.
  const serviceMs: number[] = [];
  const bareMs: number[] = [];
  try {
    for (let i = 0; i < JOBS; i++) {
      serviceMs.push(await serviceDispatch());
      bareMs.push(await bareDispatch());
    }
  } finally {
    await client.end();
  }

  const service50 = median(serviceMs);
  const bare50 = median(bareMs);
  console.log(
    `service: POST -> exporter started, p50 ${service50.toFixed(1)} ms, max ${Math.max(...serviceMs).toFixed(1)} ms`,
  );
  console.log(`bare claim + spawn: p50 ${bare50.toFixed(1)} ms, max ${Math.max(...bareMs).toFixed(1)} ms`);
  console.log(`dispatch: service / bare claim + spawn = ${(service50 / bare50).toFixed(2)}x (goal <= 2.00)`);
});

/** Keeps the POSTs' connection open between jobs, as fetch would. */
const keepAlive = new Agent({ keepAlive: true });

/**
 * A JSON POST through node:http. fetch (undici) spends about a millisecond of its own on each
 * request before it reaches the server, which would count against the service's side only.
 */
function postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: keepAlive,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable with bash's EPOCHREALTIME. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

async function markCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
}

/**
 * The time of the first mark after the `seen` ones, bounded to 60 s. The mark holds its own time,
 * so when it is read does not matter: the file is read when it changes (and every 50 ms in case a
 * change is missed) rather than polled every millisecond, which took CPU from the side measured.
 */
async function nextMark(file: string, seen: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  const watcher = watch(file);
  try {
    while (Date.now() < deadline) {
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      if (lines.length > seen) return Number(lines[seen].split(' ')[0]) * 1000;
      await Promise.race([once(watcher, 'change'), new Promise((resolve) => setTimeout(resolve, 50))]);
    }
  } finally {
    watcher.close();
  }
  throw new Error('the exporter did not start within 60 s');
}

async function waitUntilFinished(baseUrl: string, jobId: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/exports/${jobId}`);
    if (res.status === 204) return;
    const job = (await res.json()) as { status: string };
    if (job.status !== 'pending' && job.status !== 'running') throw new Error(`bench job ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
