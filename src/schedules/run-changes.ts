import { Injectable, Logger } from '@nestjs/common';
import { Caller } from '../auth/caller';
import { ChangesService } from '../changes/changes.service';
import { DomainError } from '../common/domain-error';
import { ChangeSummary } from './schedule';

/** The change summary of a scheduled run: the change report's totals per resource type. */
@Injectable()
export class RunChanges {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly changes: ChangesService) {}

  /**
   * What changed from the previous completed run's export to this run's, per resource type; null
   * when no report can be made (the schedule's export was changed in a way that makes the two
   * incomparable, a file is unreadable or out of this server's sight): the run stays as it is.
   */
  async summary(caller: Caller, previousJobId: string, jobId: string): Promise<ChangeSummary | null> {
    try {
      const page = await this.changes.changes(jobId, caller, {
        since: previousJobId,
        limit: 1,
        force: false,
      });
      return page.diff.totalsByType;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(`No change summary for job ${jobId} against ${previousJobId}: ${error.message}`);
      return null;
    }
  }
}
