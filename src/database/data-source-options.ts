import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ExportJobEntity } from '../jobs/export-job.entity';

/** Options shared by the app and the TypeORM CLI (ormconfig.ts). The schema comes only from migrations. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [ExportJobEntity],
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
  };
}
