import { createHmac } from 'node:crypto';

/** The headers of every webhook request (documented in README and the OpenAPI description). */
export const WEBHOOK_HEADERS = {
  /** The delivery's id: the same on every attempt, so a receiver can drop repeats. */
  id: 'Webhook-Id',
  /** Unix time in seconds when the attempt was sent; part of what is signed. */
  timestamp: 'Webhook-Timestamp',
  /** `sha256=<hex HMAC-SHA-256 of "<timestamp>.<body>" keyed with the webhook's secret>`. */
  signature: 'Webhook-Signature',
} as const;

/** `sha256=<hex>`: HMAC-SHA-256, keyed with the secret (UTF-8), over `<timestamp>.<body>`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
