import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { PageView } from '../common/http/paging';
import { ExportParameters } from '../export-parameters/export-parameters';
import { RecordedAuditEvent } from '../audit/audit-event';
import { eventView, JobEventView, JobOwnerView } from '../exports/job-views';
import { JOB_STATUSES, JobStatus } from '../jobs/export-job';
import { ApiWebhookViewOrNull, WebhookView, webhookView } from '../webhooks/webhook-views';
import { ChangeSummary, RUN_OUTCOMES, RunOutcome, Schedule, ScheduleRun } from './schedule';

/** The response shapes of the schedules API, snake_case like the exports API. */

export class MissedRunsView {
  @ApiProperty({
    minimum: 0,
    description: 'Runs not started because no server was there in time; never replayed',
  })
  count: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The time of the latest missed run',
  })
  last_missed_at: string | null;
}

export class ScheduleView {
  @ApiProperty({ format: 'uuid' }) schedule_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: '0 2 * * *' }) cron: string;
  @ApiProperty({ example: 'Europe/Berlin' }) time_zone: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The validated export parameters each run uses',
  })
  export: ExportParameters;
  @ApiProperty({ description: 'Finished runs kept with their files' }) keep_runs: number;
  @ApiProperty() paused: boolean;
  @ApiWebhookViewOrNull("The webhook each run's job announces its end to; null without one")
  webhook: WebhookView | null;
  @ApiProperty({ type: JobOwnerView, description: "Who owns the schedule and its runs' jobs" })
  owner: JobOwnerView;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the next run is due; null while paused or when the cron fires no more',
  })
  next_run_at: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the latest run was due',
  })
  last_run_at: string | null;
  @ApiProperty({ type: MissedRunsView }) missed_runs: MissedRunsView;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export function scheduleView(schedule: Schedule): ScheduleView {
  return {
    schedule_id: schedule.id,
    name: schedule.name,
    cron: schedule.cron,
    time_zone: schedule.timeZone,
    export: schedule.parameters,
    keep_runs: schedule.keepRuns,
    paused: schedule.paused,
    webhook: schedule.webhook ? webhookView(schedule.webhook.url) : null,
    owner: {
      kind: schedule.ownerKind,
      id: schedule.ownerId,
      name: schedule.ownerName,
      organization_id: schedule.organizationId,
    },
    next_run_at: schedule.nextRunAt?.toISOString() ?? null,
    last_run_at: schedule.lastRunAt?.toISOString() ?? null,
    missed_runs: { count: schedule.missedRuns, last_missed_at: schedule.lastMissedAt?.toISOString() ?? null },
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
  };
}

export class ScheduleListView extends PageView {
  @ApiProperty({ type: [ScheduleView] }) schedules: ScheduleView[];
}

export class ResourceTypeChangesView {
  @ApiProperty({ minimum: 0 }) added: number;
  @ApiProperty({ minimum: 0 }) removed: number;
  @ApiProperty({ minimum: 0 }) changed: number;
  @ApiProperty({ minimum: 0, description: 'The same resource under a new label' }) renamed: number;
}

export class ScheduleRunView {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'date-time', description: 'The time the cron gave for this run' }) due_at: string;
  @ApiProperty({
    enum: RUN_OUTCOMES,
    description:
      '`started`: its export job was created; `skipped`: the previous run was still going; `failed`: no ' +
      'job could be created (see `detail`), also when the server starting it stopped first; `starting`: the ' +
      'job is being created (a run left so for longer than JOB_LEASE is settled by any server)',
  })
  outcome: RunOutcome;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The export job (GET /api/v1/exports/{id})',
  })
  job_id: string | null;
  @ApiProperty({
    enum: [...JOB_STATUSES, null],
    nullable: true,
    description: "The job's state now; null without a job",
  })
  job_status: JobStatus | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the run was skipped or failed' })
  detail: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(ResourceTypeChangesView) },
    nullable: true,
    description:
      'Per resource type, what changed against the previous completed run of the schedule; null until ' +
      'the run completed, for the first completed run, and when no change report could be made',
  })
  changes: ChangeSummary | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ScheduleRunListView extends PageView {
  @ApiProperty({ type: [ScheduleRunView] }) runs: ScheduleRunView[];
}

export function runView(run: ScheduleRun): ScheduleRunView {
  return {
    run_id: run.id,
    due_at: run.dueAt.toISOString(),
    outcome: run.outcome,
    job_id: run.jobId,
    job_status: run.jobStatus,
    detail: run.detail,
    changes: run.changeSummary,
    created_at: run.createdAt.toISOString(),
  };
}

export class ScheduleEventsView {
  @ApiProperty({ format: 'uuid' }) schedule_id: string;
  @ApiProperty({ type: [JobEventView] }) events: JobEventView[];
}

export function scheduleEventsView(scheduleId: string, events: RecordedAuditEvent[]): ScheduleEventsView {
  return { schedule_id: scheduleId, events: events.map(eventView) };
}
