import 'reflect-metadata';
import { readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../src/app.factory';
import { loadAppConfig } from '../src/config/app-config';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

/**
 * How fast jobs reach another server sharing the database: a job created on server A whose slots
 * are full starts on idle server B (new-job wake-up), and a DELETE answered by A stops the exporter
 * running on B (cross-server cancel). The reference for each is the same thing done on B itself.
 * Two servers in one process, the Terraform stand-in as exporter; prints medians and the ratios last.
 *
 *   npm run bench:cross-server                    # embedded PostgreSQL, 5 rounds
 *   BENCH_ROUNDS=10 DATABASE_URL=postgres://... npm run bench:cross-server
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STANDIN = path.resolve(__dirname, '../../test/fixtures/terraform-standin/terraform');
const HANG = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] };

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'export-bench-cross-'));
  await chmod(root, 0o755); // the embedded PostgreSQL may run as another user
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ rootDir: path.join(root, 'pg'), persistent: false });
  const apps: INestApplication[] = [];
  try {
    const env = {
      DATABASE_URL: process.env.DATABASE_URL ?? embedded!.url,
      EXPORT_BASE_DIR: path.join(root, 'exports'),
      TERRAFORM_BIN: STANDIN,
      GENESYSCLOUD_OAUTHCLIENT_ID: 'bench',
      GENESYSCLOUD_OAUTHCLIENT_SECRET: 'bench',
      GENESYSCLOUD_REGION: 'bench',
      MAX_CONCURRENT_JOBS: '1',
      RATE_LIMIT_PER_MINUTE: '100000',
      CREATE_RATE_LIMIT_PER_MINUTE: '100000',
      POLL_RATE_LIMIT_PER_MINUTE: '100000',
      EXPORTER_STOP_GRACE: '2s',
      SHUTDOWN_GRACE: '1s',
      LOG_LEVEL: 'silent',
    };
    const a = await start(env, apps);
    // A's only slot stays busy, so what is created on A can only start on B.
    const busy = await a.post(HANG);
    await waitForStatus(a, busy, 'running');
    const b = await start(env, apps);

    const wakeUp = { cross: [] as number[], local: [] as number[] };
    const cancel = { cross: [] as number[], local: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, via] of [
        ['cross', a],
        ['local', b],
      ] as const) {
        const body = { include_filter_resources: ['genesyscloud_user'], directory: `wake-${kind}-${round}` };
        const started = performance.now();
        const id = await via.post(body);
        await waitForStatus(b, id, 'running', 5);
        wakeUp[kind].push(performance.now() - started);
        await waitForStatus(b, id, 'completed');
      }
      for (const [kind, via] of [
        ['cross', a],
        ['local', b],
      ] as const) {
        const id = await b.post({ ...HANG, directory: `cancel-${kind}-${round}` });
        await waitForStatus(b, id, 'running');
        const workspace = path.join(env.EXPORT_BASE_DIR, '.runs', id, 'workspace');
        while (exportersIn(workspace) === 0) await sleep(20);
        const started = performance.now();
        await via.delete(id);
        while (exportersIn(workspace) > 0) await sleep(5);
        cancel[kind].push(performance.now() - started);
      }
    }
    const line = (name: string, m: { cross: number[]; local: number[] }) => {
      const cross = median(m.cross);
      const local = median(m.local);
      console.log(
        `${name}: other server ${cross.toFixed(0)} ms, same server ${local.toFixed(0)} ms (median of ${ROUNDS})`,
      );
      return cross / local;
    };
    const wakeRatio = line('new-job wake-up (POST until running)', wakeUp);
    const cancelRatio = line('cancel (DELETE until the exporter is gone)', cancel);
    console.log(`ratio other/same server: wake-up ${wakeRatio.toFixed(2)}, cancel ${cancelRatio.toFixed(2)}`);
    await a.delete(busy);
  } finally {
    for (const app of apps.reverse()) await app.close();
    await embedded?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

interface BenchServer {
  post(body: object): Promise<string>;
  delete(id: string): Promise<void>;
  status(id: string): Promise<string>;
}

async function start(env: Record<string, string>, apps: INestApplication[]): Promise<BenchServer> {
  const app = await createApp(loadAppConfig(env));
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}/api/v1/exports`;
  return {
    post: async (body) => {
      const res = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { job_id: string }).job_id;
    },
    delete: async (id) => {
      const res = await fetch(`${base}/${id}`, { method: 'DELETE' });
      if (res.status !== 200) throw new Error(`DELETE answered ${res.status}`);
    },
    status: async (id) => {
      const res = await fetch(`${base}/${id}`, { headers: { prefer: 'return=representation' } });
      return ((await res.json()) as { status: string }).status;
    },
  };
}

async function waitForStatus(server: BenchServer, id: string, status: string, pollMs = 50): Promise<void> {
  for (let i = 0; i < 60_000 / pollMs; i++) {
    const current = await server.status(id);
    if (current === status) return;
    if (['completed', 'failed', 'cancelled'].includes(current)) throw new Error(`job ${id} ended ${current}`);
    await sleep(pollMs);
  }
  throw new Error(`job ${id} never reached ${status}`);
}

/** Live processes working in `workspace` (Terraform and its provider). */
function exportersIn(workspace: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(workspace)) count += 1;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
