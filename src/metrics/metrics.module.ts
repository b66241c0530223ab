import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { JobsModule } from '../jobs/jobs.module';
import { ExportMetrics } from './export-metrics';
import { HttpMetrics } from './http-metrics';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { RejectedRequests } from './rejected-requests';

/**
 * Prometheus metrics at GET /metrics. Global, so the job runner can inject ExportMetrics. Each
 * application has its own registry rather than prom-client's global one, so several apps in one
 * process (the tests) do not collide.
 */
@Global()
@Module({
  imports: [JobsModule],
  controllers: [MetricsController],
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    ExportMetrics,
    RejectedRequests,
    HttpMetrics,
  ],
  exports: [ExportMetrics, RejectedRequests, HttpMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
