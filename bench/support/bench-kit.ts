import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres, freePort } from '../../src/database/embedded-postgres';

/** What the benches share: a scratch folder, PostgreSQL, the service as `npm start` runs it, nginx. */

export const MIB = 1024 * 1024;

export const execFileAsync = promisify(execFile);

/** A temporary folder removed by `cleanUp`, and everything started in it stopped. */
export class BenchRun {
  private readonly stops: (() => Promise<void>)[] = [];

  private constructor(readonly root: string) {}

  static async start(name: string): Promise<BenchRun> {
    const root = await mkdtemp(path.join(os.tmpdir(), `bench-${name}-`));
    await chmod(root, 0o755); // the embedded PostgreSQL and nginx workers may run as other users
    const run = new BenchRun(root);
    run.onCleanUp(() => rm(root, { recursive: true, force: true }));
    return run;
  }

  onCleanUp(stop: () => Promise<void>): void {
    this.stops.unshift(stop);
  }

  /** DATABASE_URL when given, else a PostgreSQL of the bench's own, removed afterwards. */
  async database(): Promise<string> {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    const embedded = await startEmbeddedPostgres({ rootDir: path.join(this.root, 'pg'), persistent: false });
    this.onCleanUp(() => embedded.stop());
    return embedded.url;
  }

  /** The built server (`dist/src/main.js`) as its own process, started with `env`; resolves once it answers. */
  async service(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../src/main.js')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.onCleanUp(() => stopProcess(child));
    const url = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(`${url}/health/live`, child);
    return { url, process: child };
  }

  /** A Node script as its own process (a reference server), `PORT` given; resolves once `/` answers. */
  async node(script: string, env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH, ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.onCleanUp(() => stopProcess(child));
    const url = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(`${url}/`, child);
    return { url, process: child };
  }

  /**
   * nginx from the system (Debian's package) serving `root` with sendfile, as commonly deployed
   * (`worker_processes auto`); `extra` goes into the server block. Null when nginx is not installed.
   */
  async nginx(root: string, extra = ''): Promise<{ url: string } | null> {
    const binary = findProgram('nginx', ['/usr/sbin/nginx']);
    if (!binary) return null;
    const port = await freePort();
    const prefix = path.join(this.root, 'nginx');
    const conf = path.join(this.root, 'nginx.conf');
    await writeFile(
      conf,
      `daemon off;
${process.getuid?.() === 0 ? 'user root; # the zips are 0600, readable by their owner only' : ''}
worker_processes auto;
pid ${prefix}.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${prefix}-body;
  proxy_temp_path ${prefix}-proxy;
  fastcgi_temp_path ${prefix}-fastcgi;
  uwsgi_temp_path ${prefix}-uwsgi;
  scgi_temp_path ${prefix}-scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /__ready { return 200; }
    ${extra}
  }
}
`,
    );
    const child = spawn(binary, ['-c', conf, '-p', this.root], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.onCleanUp(() => stopProcess(child));
    const url = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(`${url}/__ready`, child);
    return { url };
  }

  async cleanUp(): Promise<void> {
    for (const stop of this.stops) await stop().catch((error: unknown) => console.error(String(error)));
  }
}

/** Runs a bench's main, always cleaning up, exiting non-zero on failure. */
export function runBench(name: string, main: (run: BenchRun) => Promise<void>): void {
  void (async () => {
    const run = await BenchRun.start(name);
    let failed = false;
    try {
      await main(run);
    } catch (error) {
      console.error(error);
      failed = true;
    } finally {
      await run.cleanUp();
    }
    process.exit(failed ? 1 : 0);
  })();
}

export function findProgram(name: string, fallbacks: string[] = []): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return fallbacks.find((candidate) => existsSync(candidate)) ?? null;
  }
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const status = await new Promise<number>((resolve) =>
      http
        .get(url, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0)),
    );
    if (status >= 200 && status < 500) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Bytes per second of responses, headers included. */
  bytesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx or 3xx. */
  errors: number;
}

/**
 * A closed-loop load of `connections` keep-alive connections for `seconds`, generated by wrk (C,
 * so the client takes little of the CPU the servers share). Throws when wrk is not installed.
 */
export async function wrk(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const binary = findProgram('wrk');
  if (!binary) throw new Error('wrk is not installed (apt-get install wrk)');
  const threads = Math.min(options.connections, 2);
  const args = [
    '--latency',
    '-t',
    String(threads),
    '-c',
    String(options.connections),
    '-d',
    `${options.seconds}s`,
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const { stdout } = await execFileAsync(binary, [...args, url], { encoding: 'utf8' });
  const number = (pattern: RegExp) => stdout.match(pattern)?.[1];
  return {
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/)),
    bytesPerSecond: bytes(number(/Transfer\/sec:\s+([\d.]+[KMG]?B)/) ?? '0B'),
    p50Ms: milliseconds(number(/\s50%\s+([\d.]+(?:us|ms|s|m))/) ?? '0ms'),
    p99Ms: milliseconds(number(/\s99%\s+([\d.]+(?:us|ms|s|m))/) ?? '0ms'),
    errors: Number(number(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0),
  };
}

/** CPU seconds (user + system) the process has used so far, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

function bytes(text: string): number {
  const [, value, unit] = /^([\d.]+)([KMG]?)B$/.exec(text)!;
  return Number(value) * 1024 ** ' KMG'.indexOf(unit || ' ');
}

function milliseconds(text: string): number {
  const [, value, unit] = /^([\d.]+)(us|ms|s|m)$/.exec(text)!;
  return Number(value) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit as 'us' | 'ms' | 's' | 'm'];
}
