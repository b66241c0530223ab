import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Gives the tests a PostgreSQL server: DATABASE_URL when set, otherwise an embedded one that lives
 * as long as the test run. Each test file then creates databases of its own on it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_POSTGRES_URL = process.env.DATABASE_URL;
    return;
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'export-server-test-pg-'));
  const database = await startEmbeddedPostgres({ rootDir: root, persistent: false });
  process.env.TEST_POSTGRES_URL = database.url;
  (globalThis as { embeddedPostgres?: typeof database }).embeddedPostgres = database;
}
