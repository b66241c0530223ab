import * as http from 'node:http';
import * as https from 'node:https';
import { Injectable } from '@nestjs/common';
import { AttemptResult } from './webhook-delivery';
import { WEBHOOK_HEADERS, webhookSignature } from './webhook-signature';

/** One attempt to send a delivery. */
export interface WebhookRequest {
  url: URL;
  deliveryId: string;
  body: string;
  secret: string;
  timeoutMs: number;
  /** Aborted when the server stops. */
  stop: AbortSignal;
}

const USER_AGENT = 'genesyscloud-export-server-webhooks/1';

/**
 * POSTs one signed delivery. The answer's status is all that counts (2xx: delivered); its body is
 * not read. Redirects are never followed: a 3xx is a failed attempt, like any other status.
 */
@Injectable()
export class WebhookSender {
  send(request: WebhookRequest): Promise<AttemptResult> {
    const timestamp = Math.floor(Date.now() / 1000);
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const client = request.url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const outgoing = client.request(
        request.url,
        {
          method: 'POST',
          // A connection of its own, closed after the answer: deliveries are few, and no socket outlives them.
          agent: false,
          signal: AbortSignal.any([timeout, request.stop]),
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(request.body),
            'User-Agent': USER_AGENT,
            [WEBHOOK_HEADERS.id]: request.deliveryId,
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.signature]: webhookSignature(request.secret, timestamp, request.body),
          },
        },
        (answer) => {
          // The status decides; the rest of the answer is drained, and its errors (a receiver
          // that stops mid-body, the timeout) no longer matter.
          answer.on('error', () => undefined);
          answer.resume();
          resolve(resultOf(answer.statusCode ?? 0));
        },
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        let detail: string;
        if (timeout.aborted) detail = `no answer within ${request.timeoutMs / 1000} s (WEBHOOK_TIMEOUT)`;
        else if (request.stop.aborted) detail = 'the server stopped during the attempt';
        else detail = `the request failed: ${error.message}`;
        resolve({ delivered: false, statusCode: null, error: detail });
      });
      outgoing.end(request.body);
    });
  }
}

function resultOf(status: number): AttemptResult {
  if (status >= 200 && status < 300) return { delivered: true, statusCode: status };
  if (status >= 300 && status < 400) {
    return {
      delivered: false,
      statusCode: status,
      error: `answered ${status}, a redirect: redirects are not followed`,
    };
  }
  return { delivered: false, statusCode: status, error: `answered ${status}` };
}
