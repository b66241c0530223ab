import { jobPath } from '../exports/job-response';
import { ClaimedDelivery, WebhookPayload } from './webhook-delivery';

/** The document announcing the end of the delivery's job; links are paths on this server. */
export function webhookPayload(delivery: ClaimedDelivery): WebhookPayload {
  const { job } = delivery;
  const path = jobPath(delivery.jobId);
  return {
    event: `job.${job.status}`,
    delivery_id: delivery.id,
    job_id: delivery.jobId,
    status: job.status,
    error: job.error,
    ended_at: job.endedAt.toISOString(),
    schedule_id: delivery.scheduleId,
    changes: delivery.changes,
    links: {
      job: path,
      ...(job.status === 'completed' ? { results: `${path}/results`, download: `${path}/download` } : {}),
    },
  };
}
