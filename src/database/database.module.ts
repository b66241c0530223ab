import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { dataSourceOptions } from './data-source-options';
import { ServerSecrets } from './server-secrets';

/** The PostgreSQL connection; pending migrations are applied when it opens. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) {
          throw new Error(
            'No database URL: main.ts starts an embedded PostgreSQL when DATABASE_URL is unset',
          );
        }
        return { ...dataSourceOptions(config.databaseUrl), retryAttempts: 3, retryDelay: 1000 };
      },
    }),
  ],
  providers: [ServerSecrets],
  exports: [ServerSecrets],
})
export class DatabaseModule {}
