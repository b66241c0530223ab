import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

// The TypeORM CLI's DataSource (npm run migration:run / migration:revert). Needs DATABASE_URL.
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set to run migrations from the command line');
}

export default new DataSource({ ...dataSourceOptions(url), migrationsRun: false });
