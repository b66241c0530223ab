import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Caller } from '../auth/caller';
import { PassLoop } from '../common/pass-loop';
import { DomainError } from '../common/domain-error';
import { RequestValidationError } from '../common/validation/request-validation.error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { environmentCredentials } from '../credentials/held-credentials';
import { ExportsService } from '../exports/exports.service';
import { RetentionService } from '../retention/retention.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { RunChanges } from './run-changes';
import { ChangeSummary, runIdempotencyKey, Schedule, ScheduleRun } from './schedule';
import { DueClaim, DueDecision, ScheduleRepository } from './schedule-repository';
import { planDueRuns, ScheduleTiming } from './schedule-timing';

/** How soon to look again at a schedule that is due but was being decided by another server. */
const RECHECK_MS = 100;

/**
 * Starts due runs on every server: each pass claims due schedules one at a time (SKIP LOCKED, so
 * every run is decided by one server), starts their jobs through the exports service, settles runs
 * left `starting` past JOB_LEASE by a server that stopped, then settles runs whose job ended
 * (change summary, expiry of runs beyond `keep_runs`). The next pass comes when the earliest
 * schedule is due, or after SIGNAL_FALLBACK_POLL to see other servers' changes.
 */
@Injectable()
export class ScheduleRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Schedules');
  private readonly loop = new PassLoop(() => this.runPass());

  constructor(
    private readonly store: ScheduleRepository,
    private readonly exports: ExportsService,
    private readonly retention: RetentionService,
    private readonly changes: RunChanges,
    private readonly webhooks: WebhooksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.wakeIn(0);
  }

  /** No new runs once the server drains; a pass under way finishes first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** A schedule was created or changed here: look again at once rather than at the next poll. */
  scheduleChanged(): void {
    this.loop.wakeIn(0);
  }

  /** One pass; answers when the next is due. */
  private async runPass(): Promise<number> {
    const poll = this.config.signalFallbackPollMs;
    try {
      while (!this.loop.isStopped && (await this.startNextDueRun()));
      while (!this.loop.isStopped && (await this.resolveNextStuckRun()));
      while (!this.loop.isStopped && (await this.settleNextEndedRun()));
      // Still due after the claims: another server is deciding it; look again shortly, not at once.
      const untilDue = Math.max((await this.store.msUntilNextDue()) ?? poll, RECHECK_MS);
      return Math.min(untilDue, poll);
    } catch (error) {
      // The database may be down: try again at the next poll.
      this.logger.warn(`Scheduled runs could not be looked at: ${String(error)}`);
      return poll;
    }
  }

  /** Claims and decides one due schedule; false when none is due. */
  private async startNextDueRun(): Promise<boolean> {
    const claimed = await this.store.claimDue((claim) => this.decide(claim));
    if (!claimed) return false;
    if (claimed.run?.outcome === 'starting') await this.start(claimed.schedule, claimed.run);
    await this.expireBeyondKept(claimed.schedule.id);
    return true;
  }

  private decide({ schedule, now, runningJobId }: DueClaim): DueDecision {
    const timing = ScheduleTiming.of(schedule.cron, schedule.timeZone);
    // A run may start until the minimum interval has passed, so it never runs into the next one.
    const plan = planDueRuns(timing, schedule.nextRunAt!, now, this.config.scheduleMinIntervalMs);
    if (plan.missed > 0) {
      this.logger.warn(
        `Schedule ${schedule.id}: ${plan.missed} run(s) missed (the latest due ${plan.lastMissedAt?.toISOString()}); not replayed`,
      );
    }
    const common = { missed: plan.missed, lastMissedAt: plan.lastMissedAt, nextRunAt: plan.nextRunAt };
    if (plan.start === null) return { ...common, run: null };
    if (runningJobId !== null) {
      const detail = `The previous run's export job ${runningJobId} was still going.`;
      return { ...common, run: { dueAt: plan.start, outcome: 'skipped', detail } };
    }
    return { ...common, run: { dueAt: plan.start, outcome: 'starting', detail: null } };
  }

  /** Starts the run's job as the schedule's owner, with the server's credentials. */
  private async start(schedule: Schedule, run: ScheduleRun): Promise<void> {
    const caller = this.callerOf(schedule);
    if (!caller) {
      await this.store.recordFailed(
        run.id,
        'The server has no client credentials (GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION).',
      );
      return;
    }
    try {
      const { job } = await this.exports.create(schedule.parameters, caller, {
        idempotencyKey: runIdempotencyKey(schedule.id, run.dueAt),
        ...(schedule.webhook ? { webhook: { ...schedule.webhook, scheduleId: schedule.id } } : {}),
      });
      if (!(await this.store.recordStarted(run.id, job.id))) {
        this.logger.warn(
          `Schedule ${schedule.id}: the run due ${run.dueAt.toISOString()} started as job ${job.id}, but its record is gone`,
        );
        return;
      }
      this.logger.log(
        `Schedule ${schedule.id}: the run due ${run.dueAt.toISOString()} started as job ${job.id}`,
      );
    } catch (error) {
      if (!(error instanceof DomainError || error instanceof RequestValidationError)) throw error;
      const detail =
        error instanceof RequestValidationError
          ? error.problems.map((problem) => problem.detail).join('; ')
          : error.message;
      await this.store.recordFailed(run.id, detail);
    }
  }

  /**
   * Settles one run left `starting` for longer than JOB_LEASE (the lease a running job's server
   * has to show it is alive): its server stopped between claiming it and recording its job. False
   * when there is none.
   */
  private async resolveNextStuckRun(): Promise<boolean> {
    const run = await this.store.resolveStuckStart(this.config.jobLeaseMs);
    if (!run) return false;
    const due = run.dueAt.toISOString();
    if (run.jobId) {
      this.logger.warn(
        `Schedule ${run.scheduleId}: the run due ${due} was left starting; its job ${run.jobId} exists, so it started`,
      );
    } else {
      this.logger.warn(
        `Schedule ${run.scheduleId}: the run due ${due} was left starting without a job; failed`,
      );
    }
    await this.expireBeyondKept(run.scheduleId);
    return true;
  }

  /** Settles one started run whose job ended; false when there is none. */
  private async settleNextEndedRun(): Promise<boolean> {
    let summary: ChangeSummary | null = null;
    const ended = await this.store.settleEndedRun(async ({ run, schedule, previousCompletedJobId }) => {
      const caller = this.callerOf(schedule);
      if (previousCompletedJobId === null || caller === null) return null;
      summary = await this.changes.summary(caller, previousCompletedJobId, run.jobId!);
      return summary;
    });
    if (!ended) return false;
    // Once the run is settled: its job's webhook announces the end with what the run changed.
    await this.webhooks.recordRunChanges(ended.run.jobId!, summary);
    await this.expireBeyondKept(ended.schedule.id);
    return true;
  }

  /** The schedule's owner, acting with the server's credentials; null when the server has none. */
  private callerOf(schedule: Schedule): Caller | null {
    const credentials = environmentCredentials(this.config.genesys);
    if (!credentials) return null;
    return {
      principal: {
        key: schedule.owner,
        kind: schedule.ownerKind,
        id: schedule.ownerId,
        name: schedule.ownerName,
        organizationId: schedule.organizationId,
      },
      credentialSource: 'environment',
      credentials,
    };
  }

  private async expireBeyondKept(scheduleId: string): Promise<void> {
    await this.retention.expire(await this.store.pruneRuns(scheduleId));
  }
}
