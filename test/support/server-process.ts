import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { freePort } from '../../src/database/embedded-postgres';
import { sleep } from './jobs';
import { checkedAgainstContract } from './openapi-contract';
import { STANDIN_TERRAFORM } from './standin';
import { ENV_CREDENTIALS } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';

/** The built server, as `npm start` runs it (tests that use it need `npm run build` first; `pretest` does it). */
export const SERVER_MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process exited, to measure how long a shutdown took. */
  at: number;
}

export interface ServerProcessOptions {
  /** The server's whole environment besides PATH and HOME; PORT is chosen when missing. */
  env: Record<string, string>;
  /** The server's working directory (the embedded PostgreSQL lives in `<cwd>/.data/postgres`). */
  cwd?: string;
  /** A command the server runs under, e.g. `['prlimit', '--nofile=200:200', '--']`. */
  command?: string[];
}

/** `node dist/src/main.js` as a separate process, with its output captured. */
export class ServerProcess {
  readonly process: ChildProcess;
  readonly port: number;
  /** Always the loopback address, whatever HOST the server binds. */
  readonly url: string;
  /** Resolves once the process exited and its output was read. */
  readonly exited: Promise<ServerExit>;
  private exitInfo: ServerExit | undefined;
  private stdoutText = '';
  private stderrText = '';
  private outputText = '';

  constructor(options: ServerProcessOptions & { port: number }) {
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
    const [executable, ...args] = [...(options.command ?? []), process.execPath, SERVER_MAIN];
    this.process = spawn(executable, args, {
      // Nothing of the test runner's environment (DATABASE_URL, TEST_POSTGRES_URL...) leaks in.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env, PORT: String(options.port) },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdoutText += chunk;
      this.outputText += chunk;
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
      this.outputText += chunk;
    });
    this.exited = new Promise((resolve) => {
      const finish = (info: ServerExit) => {
        this.exitInfo ??= info;
        // 'close' comes once the pipes are drained; a leftover child holding them must not block.
        const timer = setTimeout(() => resolve(this.exitInfo!), 1000);
        this.process.once('close', () => {
          clearTimeout(timer);
          resolve(this.exitInfo!);
        });
      };
      this.process.once('exit', (code, signal) => finish({ code, signal, at: Date.now() }));
      this.process.once('error', () => finish({ code: null, signal: null, at: Date.now() }));
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** How the process ended; undefined while it runs. */
  get exit(): ServerExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** stdout and stderr interleaved as they arrived. */
  get output(): string {
    return this.outputText;
  }

  /**
   * A new supertest agent on the loopback address for each use (no connection reuse); it checks
   * every answer against openapi.json.
   */
  get http(): TestAgent {
    return checkedAgainstContract(request(this.url));
  }

  /** The JSON (pino) lines of stdout; other lines are skipped. */
  logLines(): Record<string, unknown>[] {
    return this.stdoutText.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** The end of the output, for error messages. */
  outputTail(chars = 4000): string {
    return this.outputText.slice(-chars);
  }

  /** Polls GET /health until it answers 200; fails early, with the output, if the process exits. */
  async waitForHealth(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        await this.exited;
        throw new Error(
          `server exited (code ${this.exit?.code}, signal ${this.exit?.signal}) before /health answered 200; output:\n${this.outputTail()}`,
        );
      }
      const ok = await this.http
        .get('/health')
        .timeout(2000)
        .then(
          (res) => res.status === 200,
          () => false,
        );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`/health did not answer 200 within ${timeoutMs} ms; output:\n${this.outputTail()}`);
  }

  /** Waits until the output matches `pattern` (e.g. a log message); fails if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.outputText)) {
      if (!this.running) {
        await this.exited;
        if (pattern.test(this.outputText)) return;
        throw new Error(`server exited before its output matched ${pattern}; output:\n${this.outputTail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `output did not match ${pattern} within ${timeoutMs} ms; output:\n${this.outputTail()}`,
        );
      }
      await sleep(50);
    }
  }

  /** Waits for the exit; rejects (the process left running) if it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ServerExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`server did not exit within ${timeoutMs} ms; output:\n${this.outputTail()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (SIGTERM: a graceful stop) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ServerExit> {
    if (this.running) this.process.kill(signal);
    return this.waitForExit(timeoutMs);
  }

  /** SIGKILL if still running (clean-up after a failed test). Children such as PostgreSQL survive it. */
  async kill(): Promise<void> {
    if (this.running) this.process.kill('SIGKILL');
    await this.exited;
  }
}

const started = new Set<ServerProcess>();

/** Starts the server process and returns at once (for start-up failures and log checks). */
export async function spawnServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.env.PORT ? Number(options.env.PORT) : await freePort();
  const server = new ServerProcess({ ...options, port });
  started.add(server);
  void server.exited.then(() => started.delete(server));
  return server;
}

/** Starts the server process and waits until GET /health answers 200. */
export async function startServer(options: ServerProcessOptions, timeoutMs?: number): Promise<ServerProcess> {
  const server = await spawnServer(options);
  await server.waitForHealth(timeoutMs);
  return server;
}

/** SIGKILLs every server this module started that still runs (for afterEach / afterAll). */
export async function killStartedServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.kill()));
}

/** The database and export folder that the servers of one describe block share. */
export interface SharedServerState {
  readonly database: TestDatabase;
  readonly exportBaseDir: string;
  /** A server's environment on them: the server's own credentials, the Terraform stand-in, then `extra`. */
  serverEnv(extra?: Record<string, string>): Record<string, string>;
}

/**
 * Call inside a describe block: before its tests, a database and an export folder (named after
 * `name`) for the server processes they start; after them, those servers are killed and both removed.
 */
export function useSharedServerState(name: string, afterAllTimeoutMs?: number): SharedServerState {
  let database: TestDatabase | undefined;
  let exportBaseDir: string | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    exportBaseDir = await mkdtemp(path.join(os.tmpdir(), `export-server-${name}-`));
  });
  afterAll(async () => {
    await killStartedServers();
    await database?.drop();
    if (exportBaseDir) await rm(exportBaseDir, { recursive: true, force: true });
  }, afterAllTimeoutMs);
  return {
    get database() {
      if (!database) throw new Error('the shared database exists only inside the tests');
      return database;
    },
    get exportBaseDir() {
      if (!exportBaseDir) throw new Error('the shared export folder exists only inside the tests');
      return exportBaseDir;
    },
    serverEnv(extra = {}) {
      return {
        ...ENV_CREDENTIALS,
        TERRAFORM_BIN: STANDIN_TERRAFORM,
        DATABASE_URL: this.database.url,
        EXPORT_BASE_DIR: this.exportBaseDir,
        ...extra,
      };
    },
  };
}
