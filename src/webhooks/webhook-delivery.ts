import { ChangeCounts } from '../changes/resource-diff';

/** A webhook as a schedule or a job keeps it: where to send, and the secret to sign with, sealed. */
export interface SealedWebhook {
  url: string;
  sealedSecret: string;
}

/** Where a job's end is announced; for a scheduled run, also its schedule (null otherwise). */
export interface WebhookTarget extends SealedWebhook {
  scheduleId: string | null;
}

/** How jobs end, as webhook events. */
export type WebhookEvent = 'job.completed' | 'job.failed' | 'job.cancelled';
export type EndedJobStatus = 'completed' | 'failed' | 'cancelled';

/** Per resource type, what a scheduled run changed against the schedule's previous completed run. */
export type RunChangeSummary = Record<string, ChangeCounts>;

/** The JSON document a webhook receives (snake_case, like the API). */
export interface WebhookPayload {
  event: WebhookEvent;
  delivery_id: string;
  job_id: string;
  status: EndedJobStatus;
  error: string | null;
  ended_at: string;
  schedule_id: string | null;
  changes: RunChangeSummary | null;
  links: { job: string; results?: string; download?: string };
}

/** A delivery claimed by one server for one attempt, under a lease. */
export interface ClaimedDelivery {
  id: string;
  jobId: string;
  scheduleId: string | null;
  url: string;
  sealedSecret: string;
  changes: RunChangeSummary | null;
  /** The document the first attempt sent, as sent; null before it (it is then built from the job). */
  body: string | null;
  /** This attempt's number, 1 for the first. */
  attempt: number;
  /** Since the first attempt started (0 for it), by the database's clock. */
  elapsedMs: number;
  job: { status: EndedJobStatus; error: string | null; endedAt: Date };
}

/** What one attempt came to. `final`: retrying cannot help, so none follows. */
export type AttemptResult =
  | { delivered: true; statusCode: number }
  | { delivered: false; statusCode: number | null; error: string; final?: boolean };

export type DeliveryState = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed'];

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  /** Null while it is under way, or when its server stopped before it could record the outcome. */
  finishedAt: Date | null;
  statusCode: number | null;
  error: string | null;
}

/** A delivery of a job's end, with its attempts so far. */
export interface DeliveryRecord {
  id: string;
  event: WebhookEvent;
  state: DeliveryState;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  attempts: AttemptRecord[];
}
