import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATES, DeliveryRecord, DeliveryState, WebhookEvent } from './webhook-delivery';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

const SECRET_SET = 'Always true: a secret signs every delivery; it is never shown';

/** A webhook as answers show it: never its secret. */
export class WebhookView {
  @ApiProperty({ format: 'uri' }) url: string;
  @ApiProperty({ description: SECRET_SET }) secret_set: boolean;
}

/**
 * A WebhookView or null, declared inline: OpenAPI 3.0 cannot make a referenced schema nullable
 * (`nullable` next to `allOf` still refuses null).
 */
export const ApiWebhookViewOrNull = (description: string) =>
  ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: true,
    description,
    required: ['url', 'secret_set'],
    properties: {
      url: { type: 'string', format: 'uri' },
      secret_set: { type: 'boolean', description: SECRET_SET },
    },
  });

export function webhookView(url: string): WebhookView {
  return { url, secret_set: true };
}

export class WebhookAttemptView {
  @ApiProperty({ minimum: 1 }) attempt: number;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'Null while the attempt is under way, or when its server stopped before recording how it went',
  })
  finished_at: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The receiver's HTTP status; null without an answer",
  })
  status_code: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the attempt failed; null when it delivered',
  })
  error: string | null;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Sent as `Webhook-Id` with every attempt' })
  delivery_id: string;
  @ApiProperty({ enum: ['job.completed', 'job.failed', 'job.cancelled'] }) event: WebhookEvent;
  @ApiProperty({
    enum: DELIVERY_STATES,
    description:
      '`pending`: not delivered yet (attempts go on); `delivered`: the receiver answered 2xx; `failed`: ' +
      'no attempt succeeded within WEBHOOK_RETRY_FOR, or one could not be sent at all (see `error`)',
  })
  state: DeliveryState;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'When the next attempt is due; null before the first (made at once, or for a scheduled run once its ' +
      'change summary is recorded) and once no more follow',
  })
  next_attempt_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty({ type: [WebhookAttemptView], description: 'Oldest first' }) attempts: WebhookAttemptView[];
}

export class WebhookDeliveriesView {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiWebhookViewOrNull("The job's webhook; null without one") webhook: WebhookView | null;
  @ApiProperty({
    type: [WebhookDeliveryView],
    description: "The delivery announcing the job's end, once it ended; empty before, and without a webhook",
  })
  deliveries: WebhookDeliveryView[];
}

export function webhookDeliveriesView(
  jobId: string,
  url: string | null,
  deliveries: DeliveryRecord[],
): WebhookDeliveriesView {
  return {
    job_id: jobId,
    webhook: url === null ? null : webhookView(url),
    deliveries: deliveries.map((delivery) => ({
      delivery_id: delivery.id,
      event: delivery.event,
      state: delivery.state,
      next_attempt_at: iso(delivery.nextAttemptAt),
      delivered_at: iso(delivery.deliveredAt),
      attempts: delivery.attempts.map((attempt) => ({
        attempt: attempt.attempt,
        started_at: attempt.startedAt.toISOString(),
        finished_at: iso(attempt.finishedAt),
        status_code: attempt.statusCode,
        error: attempt.error,
      })),
    })),
  };
}
