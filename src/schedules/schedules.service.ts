import { Inject, Injectable } from '@nestjs/common';
import { AuditAction, AuditEvent, RecordedAuditEvent } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { principalAuditFields } from '../audit/request-audit-fields';
import { Caller } from '../auth/caller';
import { DomainError } from '../common/domain-error';
import { RequestValidationError } from '../common/validation/request-validation.error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { environmentCredentials } from '../credentials/held-credentials';
import { jobAccessOf } from '../exports/exports.service';
import { decodeListCursor, encodeListCursor } from '../exports/list-cursor';
import { toExportParameters } from '../exports/request-parameters';
import { toJobId } from '../jobs/export-job';
import { canAccess, JobListPosition } from '../jobs/job-repository';
import { WebhooksService } from '../webhooks/webhooks.service';
import { CreateScheduleDto } from './dto/create-schedule.dto';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import { Schedule, ScheduleRun } from './schedule';
import { ScheduleChanges, ScheduleRepository } from './schedule-repository';
import { ScheduleRunner } from './schedule-runner';
import { ScheduleTiming, TimingProblem } from './schedule-timing';

/** The request behind an operation, as the audit trail records it. */
export type RequestContext = Pick<AuditEvent, 'requestId' | 'clientIp'>;

export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

function checkedCursor(cursor: string | undefined): JobListPosition | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeListCursor(cursor);
  if (position === null) {
    throw new DomainError(
      'invalid-cursor',
      'cursor must be the next_cursor of a previous page of this list.',
    );
  }
  return position;
}

/**
 * The schedules use cases. A schedule is owned and seen like a job (canAccess, JOB_VISIBILITY);
 * its runs use the server's client credentials, since a caller's bearer token cannot be kept.
 * Creating, changing and deleting one are in the audit trail, each written before it is answered.
 */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly store: ScheduleRepository,
    private readonly runner: ScheduleRunner,
    private readonly webhooks: WebhooksService,
    private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** At most MAX_SCHEDULES_PER_OWNER per owner (the count is taken under a lock: see the repository). */
  async create(body: CreateScheduleDto, caller: Caller, context: RequestContext): Promise<Schedule> {
    this.refuseWithoutServerCredentials();
    const timing = this.checkedTiming(body.cron, body.time_zone);
    const webhook = body.webhook ? await this.webhooks.accept(body.webhook) : null;
    const { principal } = caller;
    const limit = this.config.maxSchedulesPerOwner;
    const schedule = await this.store.create(
      {
        name: body.name,
        cron: body.cron,
        timeZone: body.time_zone,
        parameters: toExportParameters(body.export),
        keepRuns: body.keep_runs,
        webhook,
        owner: principal.key,
        ownerKind: principal.kind,
        ownerId: principal.id,
        ownerName: principal.name,
        organizationId: principal.organizationId,
        nextRunAt: timing.nextAfter(new Date()),
      },
      limit,
    );
    if (!schedule) {
      throw new DomainError(
        'too-many-schedules',
        `You already have ${limit} schedules, the most one owner may have on this server ` +
          '(MAX_SCHEDULES_PER_OWNER); delete one first.',
        { limit },
      );
    }
    await this.recordOperation('schedule.created', schedule.id, caller, context, 201, {
      name: schedule.name,
      cron: schedule.cron,
      time_zone: schedule.timeZone,
    });
    this.runner.scheduleChanged();
    return schedule;
  }

  async list(caller: Caller, query: { limit: number; cursor?: string }): Promise<ListPage<Schedule>> {
    const page = await this.store.list({
      access: jobAccessOf(caller, this.config.jobVisibility),
      limit: query.limit,
      after: checkedCursor(query.cursor),
    });
    return { items: page.items, nextCursor: page.next ? encodeListCursor(page.next) : null };
  }

  /** Someone else's schedule answers exactly like an unknown one. */
  async get(id: string, caller: Caller): Promise<Schedule> {
    const scheduleId = toJobId(id);
    const schedule = scheduleId ? await this.store.get(scheduleId) : null;
    if (!schedule || !canAccess(schedule, jobAccessOf(caller, this.config.jobVisibility))) {
      throw new DomainError('schedule-not-found', `No schedule ${JSON.stringify(id)} exists.`);
    }
    return schedule;
  }

  /**
   * Pauses, resumes or changes a schedule. Resuming or a new timing sets the next run from now:
   * runs while paused are neither started nor counted as missed.
   */
  async update(
    id: string,
    body: UpdateScheduleDto,
    caller: Caller,
    context: RequestContext,
  ): Promise<Schedule> {
    const schedule = await this.get(id, caller);
    const changes: ScheduleChanges = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.keep_runs !== undefined) changes.keepRuns = body.keep_runs;
    if (body.export !== undefined) changes.parameters = toExportParameters(body.export);
    if (body.cron !== undefined) changes.cron = body.cron;
    if (body.time_zone !== undefined) changes.timeZone = body.time_zone;
    if (body.paused !== undefined) changes.paused = body.paused;
    if (body.webhook !== undefined)
      changes.webhook = body.webhook && (await this.webhooks.accept(body.webhook));
    const paused = changes.paused ?? schedule.paused;
    const retimed = changes.cron !== undefined || changes.timeZone !== undefined;
    if (retimed || changes.paused !== undefined) {
      if (!paused) this.refuseWithoutServerCredentials();
      const timing = retimed
        ? this.checkedTiming(changes.cron ?? schedule.cron, changes.timeZone ?? schedule.timeZone)
        : ScheduleTiming.of(schedule.cron, schedule.timeZone);
      if (paused) changes.nextRunAt = null;
      else if (retimed || schedule.paused) changes.nextRunAt = timing.nextAfter(new Date());
    }
    const updated = await this.store.update(schedule.id, changes);
    if (!updated) throw new DomainError('schedule-not-found', `No schedule ${JSON.stringify(id)} exists.`);
    // Which fields were given, not their values: a webhook's secret must not reach the trail.
    const fields = (Object.keys(body) as (keyof UpdateScheduleDto)[])
      .filter((field) => body[field] !== undefined)
      .sort();
    const action =
      body.paused === undefined ? 'schedule.changed' : body.paused ? 'schedule.paused' : 'schedule.resumed';
    await this.recordOperation(action, schedule.id, caller, context, 200, { fields });
    this.runner.scheduleChanged();
    return updated;
  }

  /**
   * Deletes the schedule and its run records; the jobs it started stay, as ordinary jobs (their
   * webhooks announce their ends, without a change summary).
   */
  async delete(id: string, caller: Caller, context: RequestContext): Promise<void> {
    const schedule = await this.get(id, caller);
    await this.store.delete(schedule.id);
    await this.webhooks.scheduleDeleted(schedule.id);
    await this.recordOperation('schedule.deleted', schedule.id, caller, context, 204, {
      name: schedule.name,
    });
  }

  /** The schedule's audit trail, oldest first. */
  async events(id: string, caller: Caller): Promise<{ schedule: Schedule; events: RecordedAuditEvent[] }> {
    const schedule = await this.get(id, caller);
    return { schedule, events: await this.audit.eventsOfSchedule(schedule.id) };
  }

  async runs(
    id: string,
    caller: Caller,
    query: { limit: number; cursor?: string },
  ): Promise<ListPage<ScheduleRun>> {
    const schedule = await this.get(id, caller);
    const page = await this.store.listRuns(schedule.id, query.limit, checkedCursor(query.cursor));
    return { items: page.items, nextCursor: page.next ? encodeListCursor(page.next) : null };
  }

  private recordOperation(
    action: AuditAction,
    scheduleId: string,
    caller: Caller,
    context: RequestContext,
    httpStatus: number,
    detail: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record({
      action,
      outcome: 'success',
      scheduleId,
      ...principalAuditFields(caller.principal),
      httpStatus,
      ...context,
      detail,
    });
  }

  private checkedTiming(cron: string, timeZone: string): ScheduleTiming {
    try {
      return ScheduleTiming.parse(cron, timeZone, this.config.scheduleMinIntervalMs, new Date());
    } catch (error) {
      if (error instanceof TimingProblem) {
        throw new RequestValidationError([{ pointer: `/${error.field}`, detail: error.message }]);
      }
      throw error;
    }
  }

  /** Scheduled runs have no caller to take credentials from: they need the server's own. */
  private refuseWithoutServerCredentials(): void {
    if (!environmentCredentials(this.config.genesys)) {
      throw new DomainError(
        'schedules-need-server-credentials',
        "Scheduled runs use this server's own client credentials (a bearer token cannot be kept for later " +
          'runs), and it has none: ask its operator to set GENESYSCLOUD_OAUTHCLIENT_ID, ' +
          'GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION.',
      );
    }
    if (!this.config.allowEnvCredentials) {
      throw new DomainError(
        'schedules-need-server-credentials',
        "Scheduled runs use this server's own client credentials, which its operator reserved " +
          '(ALLOW_ENV_CREDENTIALS=false); this server runs no schedules.',
      );
    }
  }
}
