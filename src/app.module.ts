import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { ChangesModule } from './changes/changes.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ExportsModule } from './exports/exports.module';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RetentionModule } from './retention/retention.module';
import { SchedulesModule } from './schedules/schedules.module';
import { WebhookDeliveriesModule } from './webhooks/webhook-deliveries.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LifecycleModule,
        LoggingModule,
        MetricsModule,
        RateLimitModule,
        DatabaseModule,
        AuditModule,
        ExportsModule,
        ChangesModule,
        HealthModule,
        RetentionModule,
        SchedulesModule,
        WebhookDeliveriesModule,
      ],
    };
  }
}
