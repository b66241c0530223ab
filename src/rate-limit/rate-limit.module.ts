import { Module, SetMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrincipalThrottlerGuard } from './principal-throttler.guard';

const JOB_CREATION = 'rate-limit:job-creation';

/** Marks a route as starting jobs: it then also counts against the stricter per-minute create limit. */
export const CountsAsJobCreation = () => SetMetadata(JOB_CREATION, true);

const MINUTE_MS = 60_000;

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'default', ttl: MINUTE_MS, limit: config.rateLimits.requestsPerMinute },
          {
            name: 'create',
            ttl: MINUTE_MS,
            limit: config.rateLimits.createsPerMinute,
            skipIf: (context) => Reflect.getMetadata(JOB_CREATION, context.getHandler()) !== true,
          },
        ],
        setHeaders: false,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: PrincipalThrottlerGuard }],
})
export class RateLimitModule {}
