import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { loadAppConfig } from '../../src/config/app-config';
import { checkedAgainstContract } from './openapi-contract';
import { STANDIN_TERRAFORM } from './standin';
import { createTestDatabase, TestDatabase } from './test-database';

export const TEST_TOKEN = 'test-access-token-0123456789';
export const TEST_CLIENT_SECRET = 'test-client-secret-abcdef';

/** Server credentials for the environment fallback. */
export const ENV_CREDENTIALS = {
  GENESYSCLOUD_OAUTHCLIENT_ID: 'test-client-id',
  GENESYSCLOUD_OAUTHCLIENT_SECRET: TEST_CLIENT_SECRET,
  GENESYSCLOUD_REGION: 'us-east-1',
};

export interface TestApp {
  app: INestApplication;
  /** Checks every answer against openapi.json (see openapi-contract.ts). */
  http: TestAgent;
  exportBaseDir: string;
  databaseUrl: string;
  database: TestDatabase;
  env: Record<string, string>;
  /** Closes the app; keeps the database and files unless `dispose` is called. */
  close(): Promise<void>;
  /** Closes the app and removes its database and export folder. */
  dispose(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a database and export folder (to restart an app over the same state). */
  database?: TestDatabase;
  exportBaseDir?: string;
}

/**
 * The real application on a real HTTP port, its own PostgreSQL database and export folder, with
 * the stand-in as TERRAFORM_BIN.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const exportBaseDir =
    options.exportBaseDir ?? (await mkdtemp(path.join(os.tmpdir(), 'export-server-test-exports-')));
  const env: Record<string, string> = {
    PORT: '0',
    DATABASE_URL: database.url,
    EXPORT_BASE_DIR: exportBaseDir,
    TERRAFORM_BIN: STANDIN_TERRAFORM,
    GENESYSCLOUD_REGION: 'us-east-1',
    EXPORTER_STOP_GRACE: '2s',
    SHUTDOWN_GRACE: '1s',
    // Tests create many jobs quickly; the rate-limit test sets its own limits.
    RATE_LIMIT_PER_MINUTE: '100000',
    CREATE_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  const app = await createApp(loadAppConfig(env));
  await app.listen(0, '127.0.0.1');
  const http = checkedAgainstContract(request.agent(app.getHttpServer()));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  return {
    app,
    http,
    exportBaseDir,
    databaseUrl: database.url,
    database,
    env,
    close,
    dispose: async () => {
      await close();
      await database.drop();
      await rm(exportBaseDir, { recursive: true, force: true });
    },
  };
}
