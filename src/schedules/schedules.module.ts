import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChangesModule } from '../changes/changes.module';
import { ExportsModule } from '../exports/exports.module';
import { JobsModule } from '../jobs/jobs.module';
import { RetentionModule } from '../retention/retention.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RunChanges } from './run-changes';
import { ScheduleRepository } from './schedule-repository';
import { ScheduleRunner } from './schedule-runner';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/** Scheduled exports: the schedules API, and the runner that turns due runs into export jobs. */
@Module({
  imports: [AuthModule, ExportsModule, JobsModule, ChangesModule, RetentionModule, WebhooksModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleRepository, ScheduleRunner, RunChanges],
})
export class SchedulesModule {}
