/** One entry of the audit trail: who did what to which job or schedule, and how it ended. */
export interface AuditEvent {
  action: AuditAction;
  outcome: 'success' | 'rejected' | 'failure';
  jobId?: string;
  scheduleId?: string;
  /** The principal's key: `user:<id>`, `client:<id>`, a token hash or `service` (never a credential). */
  principal?: string;
  /** The user's or client's display name, for verified identities. */
  principalName?: string;
  /** The principal's Genesys Cloud organization, for verified identities. */
  organizationId?: string;
  httpStatus?: number;
  requestId?: string;
  clientIp?: string;
  detail?: Record<string, unknown>;
}

export type AuditAction =
  | 'job.created'
  | 'job.started'
  | 'job.progress'
  | 'job.completed'
  | 'job.failed'
  | 'job.cancelled'
  | 'job.purged'
  | 'job.read'
  | 'job.listed'
  | 'job.results_read'
  | 'job.downloaded'
  | 'job.log_read'
  | 'job.events_read'
  | 'job.changes_read'
  | 'job.webhook_deliveries_read'
  | 'schedule.created'
  | 'schedule.changed'
  | 'schedule.paused'
  | 'schedule.resumed'
  | 'schedule.deleted'
  | 'schedule.read'
  | 'schedule.listed'
  | 'schedule.runs_read'
  | 'schedule.events_read'
  | 'request.rejected';

/**
 * Reads of a job or list: recorded too, but written in batches after the answer, so a poll never
 * waits for the audit trail. Everything else (operations, outcomes, rejections) is written before
 * the answer goes out.
 */
export const READ_ACTIONS: ReadonlySet<AuditAction> = new Set([
  'job.read',
  'job.listed',
  'job.results_read',
  'job.log_read',
  'job.events_read',
  'job.changes_read',
  'job.webhook_deliveries_read',
  'schedule.read',
  'schedule.listed',
  'schedule.runs_read',
  'schedule.events_read',
]);

export interface RecordedAuditEvent extends AuditEvent {
  occurredAt: Date;
}
