import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RecordedAuditEvent } from '../audit/audit-event';
import { PageView } from '../common/http/paging';
import { ExportFile, ExportFileType } from '../files/export-file';
import { ExportJob, JOB_STATUSES, JobStatus, OwnerKind } from '../jobs/export-job';
import { exportDirectoryOf, ExportParameters } from '../export-parameters/export-parameters';
import { WebhookView } from '../webhooks/webhook-views';

/** The response shapes of the exports API, in snake_case as the specification shows. */

export class JobAcceptedView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: ['pending'] }) status: JobStatus;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiPropertyOptional({
    type: WebhookView,
    description: "The webhook announcing the job's end, when the request named one; its deliveries are at /webhook-deliveries",
  })
  webhook?: WebhookView;
}

export class JobCountersView {
  @ApiPropertyOptional({ description: 'Resource types the exporter will list' }) types_total?: number;
  @ApiPropertyOptional({ description: 'Resource types listed so far' }) types_listed?: number;
  @ApiPropertyOptional({ description: 'Resource types fully exported' }) types_done?: number;
  @ApiPropertyOptional({ description: 'Resources found while listing' }) resources_found?: number;
  @ApiPropertyOptional({ description: 'Resources read and processed' }) resources_done?: number;
}

export class JobOwnerView {
  @ApiProperty({
    enum: ['user', 'client', 'token', 'service'],
    description:
      'A Genesys Cloud user or OAuth client (verified tokens), an unverified bearer token, or the ' +
      "server's own credentials",
  })
  kind: OwnerKind;
  @ApiProperty({ description: 'The user or OAuth client id; for an unverified token, its keyed hash' })
  id: string;
  @ApiProperty({ nullable: true, type: String, description: "The user's or client's display name" })
  name: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The Genesys Cloud organization id' })
  organization_id: string | null;
}

export class JobView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ type: JobOwnerView, description: 'Who created the job' }) owner: JobOwnerView;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Below 100 until the job completes' })
  progress: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'What the exporter is doing: initializing, listing, exporting, writing, packaging',
  })
  phase: string | null;
  @ApiProperty({ type: JobCountersView }) counters: JobCountersView;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The validated export parameters' })
  parameters: ExportParameters;
  @ApiProperty({ nullable: true, type: String, description: 'Why the job failed' }) error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelled_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When retention removed its files' })
  expired_at: string | null;
}

export class JobEventView {
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ example: 'job.created' }) action: string;
  @ApiProperty({ enum: ['success', 'rejected', 'failure'] }) outcome: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Who acted: `user:<id>`, `client:<id>`, an unverified token\'s hash or `service`; null for the server',
  })
  principal: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The acting user's or client's display name" })
  principal_name: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The acting principal's organization id" })
  organization_id: string | null;
  @ApiProperty({ nullable: true, type: Number }) http_status: number | null;
  @ApiProperty({ nullable: true, type: String }) request_id: string | null;
  @ApiProperty({ nullable: true, type: String }) client_ip: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) detail: Record<string, unknown> | null;
}

export class JobEventsView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ type: [JobEventView] }) events: JobEventView[];
}

export class JobListView extends PageView {
  @ApiProperty({ type: [JobView] }) jobs: JobView[];
}

export class JobCancelledView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: ['cancelled'] }) status: JobStatus;
  @ApiProperty({ format: 'date-time' }) cancelled_at: string;
}

export class ExportFileView {
  @ApiProperty({ description: 'Path relative to the job folder', example: 'genesyscloud/genesyscloud.tf.json' })
  name: string;
  @ApiProperty({ description: 'Bytes' }) size: number;
  @ApiProperty({ enum: ['hcl', 'json', 'state', 'tfvars', 'zip', 'yaml', 'text', 'other'] })
  type: ExportFileType;
}

export class JobResultsView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: ['completed'] }) status: JobStatus;
  @ApiProperty({ type: [ExportFileView] }) files: ExportFileView[];
  @ApiProperty({ description: 'The export directory, relative to the job folder', example: 'genesyscloud' })
  export_directory: string;
  @ApiProperty({ description: 'Resources the exporter reported as not exported' })
  resources_failed: number;
  @ApiPropertyOptional({ description: 'Where the exporter wrote the per-resource errors' })
  errors_file?: string;
  @ApiProperty({ type: [String], description: "The exporter's warnings" }) warnings: string[];
  @ApiProperty({ example: '/api/v1/exports/3f0e.../download' }) download_url: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function jobView(job: ExportJob): JobView {
  const { phase = null, ...counters } = job.progressDetail ?? {};
  return {
    job_id: job.id,
    owner: { kind: job.ownerKind, id: job.ownerId, name: job.ownerName, organization_id: job.organizationId },
    status: job.status,
    progress: job.progress,
    phase,
    counters,
    parameters: job.parameters,
    error: job.error,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    cancelled_at: iso(job.cancelledAt),
    expired_at: iso(job.expiredAt),
  };
}

export function eventsView(jobId: string, events: RecordedAuditEvent[]): JobEventsView {
  return { job_id: jobId, events: events.map(eventView) };
}

/** One event of a job's or a schedule's audit trail. */
export function eventView(event: RecordedAuditEvent): JobEventView {
  return {
    occurred_at: event.occurredAt.toISOString(),
    action: event.action,
    outcome: event.outcome,
    principal: event.principal ?? null,
    principal_name: event.principalName ?? null,
    organization_id: event.organizationId ?? null,
    http_status: event.httpStatus ?? null,
    request_id: event.requestId ?? null,
    client_ip: event.clientIp ?? null,
    detail: event.detail ?? null,
  };
}

export function resultsView(job: ExportJob, files: ExportFile[]): JobResultsView {
  return {
    job_id: job.id,
    status: job.status,
    files,
    export_directory: exportDirectoryOf(job.parameters),
    resources_failed: job.outcome?.resources_failed ?? 0,
    ...(job.outcome?.errors_file ? { errors_file: job.outcome.errors_file } : {}),
    warnings: job.outcome?.warnings ?? [],
    download_url: `/api/v1/exports/${job.id}/download`,
  };
}
