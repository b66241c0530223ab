import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobFiles } from '../files/job-files';
import { FINISHED_STATUSES } from '../jobs/export-job';
import { DatabaseLocks } from '../jobs/database-locks';
import { IdempotencyKeyRepository } from '../jobs/idempotency-keys';
import { JobRepository } from '../jobs/job-repository';
import { AuditTrail } from '../audit/audit-trail';
import { WebhooksService } from '../webhooks/webhooks.service';

export interface CleanupReport {
  ran: boolean;
  expired: number;
  strayFolders: number;
  idempotencyKeys: number;
  auditEvents: number;
}

/**
 * Every CLEANUP_INTERVAL: jobs finished longer than JOB_RETENTION ago lose their files and webhook
 * deliveries and become `expired` (the row stays), folders that belong to no job are removed, and
 * old Idempotency-Keys and audit events are forgotten. One server at a time does it when several
 * share the database.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = new Logger(RetentionService.name);
  /**
   * Folders that belonged to no job at the last clean-up here. A folder goes only once two
   * clean-ups in a row found it so: a job's folders are made while its row is being written
   * (JobWorker.admit), so a single look could catch a job a moment before it exists.
   */
  private strayLastTime = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: JobRepository,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
    private readonly locks: DatabaseLocks,
    private readonly files: JobFiles,
    private readonly audit: AuditTrail,
    private readonly scheduler: SchedulerRegistry,
    private readonly webhooks: WebhooksService,
  ) {}

  onModuleInit(): void {
    const timer = setInterval(() => {
      this.cleanUp().catch((error: unknown) => this.logger.error(`Clean-up failed: ${String(error)}`));
    }, this.config.cleanupIntervalMs);
    timer.unref();
    this.scheduler.addInterval('retention-cleanup', timer);
  }

  /**
   * Expires finished jobs now, as JOB_RETENTION does (also for schedules keeping fewer runs), and
   * forgets their webhook deliveries; answers how many of `ids` were finished and are expired now.
   */
  async expire(ids: string[]): Promise<number> {
    let expired = 0;
    for (const id of ids) {
      // The state first: a job never says "completed" while its files are gone. A removal that
      // fails now is retried by the clean-up's stray-folder pass, next time.
      if (await this.store.transition(id, FINISHED_STATUSES, 'expired')) {
        expired += 1;
        await this.audit.record({ action: 'job.purged', outcome: 'success', jobId: id });
      }
      await this.webhooks.forgetJobs([id]);
      await this.files.removeAll(id);
    }
    return expired;
  }

  async cleanUp(now = new Date()): Promise<CleanupReport> {
    const report: CleanupReport = {
      ran: false,
      expired: 0,
      strayFolders: 0,
      idempotencyKeys: 0,
      auditEvents: 0,
    };
    report.ran = await this.locks.runExclusively('retention-cleanup', async () => {
      const cutoff = new Date(now.getTime() - this.config.jobRetentionMs);
      report.expired = await this.expire(await this.store.finishedBefore(cutoff));
      const stray = await this.store.withoutLiveJob(await this.files.idsOnDisk());
      for (const id of stray.filter((id) => this.strayLastTime.has(id))) {
        await this.files.removeAll(id);
        report.strayFolders += 1;
      }
      this.strayLastTime = new Set(stray.filter((id) => !this.strayLastTime.has(id)));
      report.idempotencyKeys = await this.idempotencyKeys.forgetOld();
      // The audit trail is kept as long as the jobs it is about.
      report.auditEvents = await this.audit.purgeBefore(cutoff);
    });
    if (report.expired + report.strayFolders + report.auditEvents > 0) {
      this.logger.log(
        `Clean-up: ${report.expired} job(s) expired, ${report.strayFolders} stray folder(s) removed, ` +
          `${report.auditEvents} audit event(s) past JOB_RETENTION deleted`,
      );
    }
    return report;
  }
}
