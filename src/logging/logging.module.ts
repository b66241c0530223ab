import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { loggerOptions } from './request-log';

/**
 * Structured logs: Nest's own logging goes through pino once app.factory.ts installs it. Requests
 * are logged by the request log (request-log.ts), which app.factory.ts puts ahead of everything, so
 * nestjs-pino's own request middleware and its per-request context are left out (`forRoutes: []`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ pinoHttp: loggerOptions(config), forRoutes: [] }),
    }),
  ],
})
export class LoggingModule {}
