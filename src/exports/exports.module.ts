import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ExporterModule } from '../exporter/exporter.module';
import { ExportRunHandler } from '../exporter/export-run-handler';
import { FilesModule } from '../files/files.module';
import { JobsModule, JobWorkerModule } from '../jobs/jobs.module';
import { MetricsModule } from '../metrics/metrics.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ExportLifecycleRecorder } from './export-lifecycle-recorder';
import { ExportsController } from './exports.controller';
import { ExportsService } from './exports.service';
import { FollowStreamSlots } from './follow-stream-slots';
import { ExportPreRoutes } from './pre-routes';

/** The exports API; export jobs are run by the jobs worker through the exporter's run handler. */
@Module({
  imports: [
    AuthModule,
    JobsModule,
    FilesModule,
    ExporterModule,
    WebhooksModule,
    JobWorkerModule.register({
      imports: [ExporterModule, AuditModule, MetricsModule],
      handler: ExportRunHandler,
      observer: ExportLifecycleRecorder,
    }),
  ],
  controllers: [ExportsController],
  providers: [ExportsService, FollowStreamSlots, ExportPreRoutes],
  exports: [ExportsService, ExportPreRoutes],
})
export class ExportsModule {}
