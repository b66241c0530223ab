import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { sleep } from '../support/jobs';
import { rawContractError } from '../support/openapi-contract';
import { startServer, useSharedServerState } from '../support/server-process';

/** The server's descriptor limit (`prlimit --nofile`), and how many are left free when it is exhausted. */
const LIMIT = 200;
const LEFT_FREE = 3;

const hasPrlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPrlimit) console.log('skipped: descriptor-exhaustion test: prlimit (util-linux) is not installed');

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

(hasPrlimit ? describe : describe.skip)('descriptors exhausted when an export starts', () => {
  const state = useSharedServerState('emfile');

  it('fails that job with a message saying so; the server stays up and runs the next one', async () => {
    const server = await startServer({
      command: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`, '--'],
      env: state.serverEnv(),
    });
    // One kept-alive connection for the test's own requests, opened before the descriptors run out.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method: string, url: string, body?: object) =>
      new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const req = http.request(
          `${server.url}${url}`,
          { method, agent, headers: { 'content-type': 'application/json', prefer: 'return=representation' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              const error = rawContractError({ method, path: url }, res, Buffer.from(text));
              if (error) reject(error);
              else resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : {} });
            });
          },
        );
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    expect((await call('GET', '/api/v1/exports')).status).toBe(200);

    // Idle connections take every descriptor but a few: enough for a small file, not a new process.
    const idle: net.Socket[] = [];
    while (openDescriptors(server.pid) < LIMIT - LEFT_FREE) {
      const before = openDescriptors(server.pid);
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      idle.push(socket);
      for (let i = 0; i < 100 && openDescriptors(server.pid) === before; i++) await sleep(5);
    }
    const created = await call('POST', '/api/v1/exports', {
      include_filter_resources: ['genesyscloud_user'],
    });
    expect(created.status).toBe(202);
    const id = created.json.job_id as string;
    let job = (await call('GET', `/api/v1/exports/${id}`)).json;
    for (let i = 0; i < 300 && ['pending', 'running'].includes(job.status as string); i++) {
      await sleep(100);
      job = (await call('GET', `/api/v1/exports/${id}`)).json;
    }
    console.log(`descriptor exhaustion: the job failed with: ${String(job.error)}`);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/out of resources \((EMFILE|ENFILE)|too many open files/i);

    for (const socket of idle) socket.destroy();
    expect(server.running).toBe(true);
    const next = await call('POST', '/api/v1/exports', { include_filter_resources: ['genesyscloud_team'] });
    let status = 'pending';
    for (let i = 0; i < 300 && ['pending', 'running'].includes(status); i++) {
      await sleep(100);
      status = (await call('GET', `/api/v1/exports/${next.json.job_id as string}`)).json.status as string;
    }
    expect(status).toBe('completed');
    agent.destroy();
  });
});
