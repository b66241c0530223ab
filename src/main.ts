import 'reflect-metadata';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppConfig, GENESYS_REGION_MISSING, loadAppConfig, maskDatabaseUrls } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

const EMBEDDED_POSTGRES_DIR = path.resolve('.data', 'postgres');

async function main(): Promise<void> {
  const logger = new Logger('Main');
  const config = loadAppConfig(process.env);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ rootDir: EMBEDDED_POSTGRES_DIR, persistent: true });
    config.databaseUrl = embedded.url;
  }
  const app = await createApp(config);
  // Logged once the app's JSON logger is in place.
  if (embedded) logger.log(`DATABASE_URL is not set: using an embedded PostgreSQL in ${embedded.rootDir}`);
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    // The app first (running jobs are recorded in the database), the embedded database last.
    await app.close();
    await embedded?.stop();
    logger.log('Shut down');
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.once('SIGTERM', (signal) => void shutdown(signal));
  if (!config.genesys.region) logger.warn(GENESYS_REGION_MISSING);
  if (exposesEnvironmentCredentials(config)) {
    logger.warn(
      `Listening on ${config.host} with the server's own Genesys Cloud credentials: anyone who can reach ` +
        'this port can run exports with them. Bind to 127.0.0.1, or set ALLOW_ENV_CREDENTIALS=false.',
    );
  }
  await app.listen(config.port, config.host);
  logger.log(`Listening on http://${config.host}:${config.port} (API docs at /api/docs)`);
}

/** True when the server's credentials serve unauthenticated requests on a non-loopback address. */
function exposesEnvironmentCredentials(config: AppConfig): boolean {
  const { oauthClientId, oauthClientSecret, region } = config.genesys;
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(config.host);
  return config.allowEnvCredentials && !loopback && Boolean(oauthClientId && oauthClientSecret && region);
}

main().catch((error: unknown) => {
  // What the operator must fix, without a stack; a database URL's password never reaches the output.
  const message = error instanceof Error ? error.message : String(error);
  console.error(maskDatabaseUrls(message));
  process.exit(1);
});
