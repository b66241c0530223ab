import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module';
import { FilesModule } from '../files/files.module';
import { JobsModule } from '../jobs/jobs.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RetentionService } from './retention.service';

/** Periodic clean-up of old jobs' files (and webhook deliveries) and of folders that belong to no job. */
@Module({
  imports: [ScheduleModule.forRoot(), JobsModule, FilesModule, AuditModule, WebhooksModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
