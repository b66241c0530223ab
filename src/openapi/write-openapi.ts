import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadAppConfig } from '../config/app-config';
import { buildOpenApiDocument } from './openapi';

/**
 * Writes openapi.json (npm run openapi) for client generators. Preview mode builds the module graph
 * without starting anything, so no database is needed.
 */
async function main(): Promise<void> {
  const config = loadAppConfig({ DATABASE_URL: 'postgres://unused/unused' });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
  const target = path.resolve('openapi.json');
  writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
  await app.close();
  console.log(`wrote ${target}`);
}

void main();
