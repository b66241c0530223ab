import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

/** Options shared by the app and the TypeORM CLI (ormconfig.ts). The schema comes only from migrations. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    // A request must not hang while the database is unreachable: it fails and answers 503.
    extra: { connectionTimeoutMillis: 5000 },
  };
}
