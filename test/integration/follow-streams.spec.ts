import * as http from 'node:http';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { sleep, waitForJob } from '../support/jobs';
import { rawContractError } from '../support/openapi-contract';
import { killStartedServers, ServerProcess, startServer } from '../support/server-process';
import { STANDIN_TERRAFORM } from '../support/standin';
import { ENV_CREDENTIALS } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const DROPPED = 300;
const LIMIT = 50;

function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Opens a follow stream, waits for its first bytes (or its answer), then returns status and socket. */
function follow(
  server: ServerProcess,
  jobId: string,
): Promise<{ status: number; response: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const target = `/api/v1/exports/${jobId}/logs?follow=true`;
    const req = http.get(`${server.url}${target}`, { agent: false }, (response) => {
      // The stream stays open: status and headers are checked, the body is the test's.
      const error = rawContractError({ method: 'GET', path: target }, response, undefined);
      if (error) {
        response.destroy();
        reject(error);
      } else {
        resolve({ status: response.statusCode!, response });
      }
    });
    req.on('error', reject);
  });
}

describe('log follow streams', () => {
  let database: TestDatabase;
  let exportBaseDir: string;
  let server: ServerProcess;
  let jobId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    exportBaseDir = await mkdtemp(path.join(os.tmpdir(), 'export-server-follow-'));
    server = await startServer({
      env: {
        ...ENV_CREDENTIALS,
        DATABASE_URL: database.url,
        EXPORT_BASE_DIR: exportBaseDir,
        TERRAFORM_BIN: STANDIN_TERRAFORM,
        MAX_FOLLOW_STREAMS: String(LIMIT),
        // Hundreds of requests in a few seconds: the per-minute rate limit is not what is tested here.
        RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
    const created = await server.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] });
    jobId = created.body.job_id;
    await waitForJob(server.http, jobId, ['running']);
  });
  afterAll(async () => {
    await server.http.delete(`/api/v1/exports/${jobId}`);
    await killStartedServers();
    await database.drop();
    await rm(exportBaseDir, { recursive: true, force: true });
  });

  /** Waits (at most `rounds` × 100 ms) until the server's descriptors are back to `baseline` or fewer. */
  const settle = async (baseline: number, rounds: number) => {
    for (let i = 0; i < rounds && openDescriptors(server.pid) > baseline; i++) await sleep(100);
    return openDescriptors(server.pid);
  };

  it(`${DROPPED} dropped follow streams: each one's work stops, descriptors return to the baseline`, async () => {
    // Warm up twice (the database pool at its size for a burst of requests, and the batched audit
    // writes of those reads flushed), then take the baseline.
    for (let round = 0; round < 2; round++) {
      const warm = await Promise.all(Array.from({ length: LIMIT }, () => follow(server, jobId)));
      for (const { response } of warm) response.destroy();
      await sleep(2000);
    }
    const baseline = openDescriptors(server.pid);

    let opened = 0;
    while (opened < DROPPED) {
      const batch = await Promise.all(Array.from({ length: LIMIT }, () => follow(server, jobId)));
      expect(batch.map((b) => b.status)).toEqual(Array(LIMIT).fill(200));
      // While they are open, the server holds their sockets and files.
      expect(openDescriptors(server.pid)).toBeGreaterThan(baseline);
      for (const { response } of batch) response.destroy();
      opened += batch.length;
      await settle(baseline, 50);
    }
    const after = await settle(baseline, 300);
    console.log(`descriptors: baseline ${baseline}, after ${DROPPED} dropped follow streams ${after}`);
    expect(after).toBeLessThanOrEqual(baseline);
    expect((await server.http.get('/health')).status).toBe(200);
    expect((await waitForJob(server.http, jobId, ['running'])).status).toBe('running');
  }, 180_000);

  it(`a principal holds at most MAX_FOLLOW_STREAMS (${LIMIT}) follow streams: 429 with Retry-After beyond`, async () => {
    const open = await Promise.all(Array.from({ length: LIMIT }, () => follow(server, jobId)));
    expect(open.every((o) => o.status === 200)).toBe(true);
    const refused = await server.http.get(`/api/v1/exports/${jobId}/logs?follow=true`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body.type).toBe('urn:genesyscloud-export-server:problem:too-many-follow-streams');
    // Reading without follow is never limited.
    expect((await server.http.get(`/api/v1/exports/${jobId}/logs`)).status).toBe(200);
    for (const { response } of open) response.destroy();
    // Once they are gone the slots are free again.
    let status = 429;
    for (let i = 0; i < 100 && status === 429; i++) {
      const res = await follow(server, jobId);
      status = res.status;
      res.response.destroy();
      if (status === 429) await sleep(50);
    }
    expect(status).toBe(200);
  });

  it('a follow stream ends when its job ends (here: cancelled)', async () => {
    const body = { include_filter_resources: ['genesyscloud_team', 'genesyscloud_group::standin:hang'] };
    const other = (await server.http.post('/api/v1/exports').send(body)).body.job_id as string;
    await waitForJob(server.http, other, ['running']);
    const { status, response } = await follow(server, other);
    expect(status).toBe(200);
    const ended = new Promise<string>((resolve) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    });
    await server.http.delete(`/api/v1/exports/${other}`).expect(200);
    expect(await ended).toMatch(/genesyscloud/);
  });
});
