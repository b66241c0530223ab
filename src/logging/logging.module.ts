import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { pinoHttpOptions } from './pino-http-options';

/**
 * Structured logs: every request gets an id (X-Request-Id) that its log lines carry, and Nest's
 * own logging goes through the same pino logger once app.factory.ts installs it.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ pinoHttp: pinoHttpOptions(config) }),
    }),
  ],
})
export class LoggingModule {}
