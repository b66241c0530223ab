import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PassLoop } from '../common/pass-loop';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobSignals } from '../jobs/job-signals';
import { AllowedHosts } from './allowed-hosts';
import { RetryPolicy } from './retry-policy';
import { AttemptResult, ClaimedDelivery } from './webhook-delivery';
import { WebhookDeliveryQueue } from './webhook-delivery-queue';
import { webhookPayload } from './webhook-payload';
import { UnreadableWebhookSecret, WebhookSecretBox } from './webhook-secret-box';
import { WebhookSender } from './webhook-sender';

/** Attempts one server makes at once, so a few slow receivers do not hold up the others. */
const PARALLEL_ATTEMPTS = 8;
/** A claim outlives its attempt's timeout by this much, so it is not taken over while the attempt can still end. */
const LEASE_MARGIN_MS = 30_000;
/** The shortest pause between two passes that found nothing to claim. */
const RECHECK_MS = 100;

/**
 * Sends the deliveries on every server with webhooks on: each pass claims due deliveries (SKIP
 * LOCKED and a lease, so each attempt is made by one server) and attempts them, a few at once;
 * every attempt is recorded, failed ones retried with backoff for WEBHOOK_RETRY_FOR. Woken when a
 * job ends (JobSignals) and when a retry is due; SIGNAL_FALLBACK_POLL covers lost signals.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly loop = new PassLoop(() => this.pass());
  private readonly attempts = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly hosts: AllowedHosts;
  private readonly retries: RetryPolicy;
  private unsubscribe?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: WebhookDeliveryQueue,
    private readonly sender: WebhookSender,
    private readonly secrets: WebhookSecretBox,
    private readonly signals: JobSignals,
  ) {
    this.hosts = new AllowedHosts(config.webhooks.allowedHosts);
    this.retries = new RetryPolicy(config.webhooks);
  }

  /** With webhooks off this server sends nothing; servers with them on deliver what is due. */
  onApplicationBootstrap(): void {
    if (!this.hosts.enabled) return;
    this.unsubscribe = this.signals.subscribe((signal) => {
      if (signal.kind !== 'pending') this.loop.wakeIn(0);
    });
    this.loop.wakeIn(0);
  }

  /** No new attempts; those under way are stopped and recorded, to be made again by any server. */
  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
    this.stopping.abort();
    await Promise.all(this.attempts);
  }

  /** Something may have become due (a scheduled run's change summary was recorded here). */
  wake(): void {
    this.loop.wakeIn(0);
  }

  private async pass(): Promise<number> {
    const poll = this.config.signalFallbackPollMs;
    const leaseMs = this.config.webhooks.timeoutMs + LEASE_MARGIN_MS;
    try {
      while (!this.loop.isStopped && this.attempts.size < PARALLEL_ATTEMPTS) {
        const delivery = await this.queue.claimNext(this.config.serverId, leaseMs);
        if (!delivery) break;
        const attempt = this.attempt(delivery).finally(() => {
          this.attempts.delete(attempt);
          this.loop.wakeIn(0);
        });
        this.attempts.add(attempt);
      }
      // Every slot busy: the end of an attempt wakes the loop.
      if (this.attempts.size >= PARALLEL_ATTEMPTS) return poll;
      return Math.min(Math.max((await this.queue.msUntilNextRetry()) ?? poll, RECHECK_MS), poll);
    } catch (error) {
      // The database may be down: try again at the next poll.
      this.logger.warn(`Webhook deliveries could not be looked at: ${String(error)}`);
      return poll;
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const body = delivery.body ?? JSON.stringify(webhookPayload(delivery));
    const result = await this.send(delivery, body);
    const retryInMs =
      result.delivered || result.final ? null : this.retries.retryIn(delivery.attempt, delivery.elapsedMs);
    // The host only: a URL's query may carry the receiver's own token.
    const where = `delivery ${delivery.id} (job ${delivery.jobId}) to ${new URL(delivery.url).host}`;
    if (result.delivered) this.logger.log(`Webhook ${where}: delivered at attempt ${delivery.attempt}`);
    else {
      const next =
        retryInMs === null
          ? 'no more attempts'
          : `next attempt at ${new Date(Date.now() + retryInMs).toISOString()}`;
      this.logger.warn(`Webhook ${where}: attempt ${delivery.attempt} failed (${result.error}); ${next}`);
    }
    try {
      await this.queue.recordAttempt(delivery, this.config.serverId, { body, result, retryInMs });
    } catch (error) {
      // Its lease runs out, and any server makes the attempt again.
      this.logger.warn(`Webhook ${where}: the attempt could not be recorded: ${String(error)}`);
    }
  }

  private async send(delivery: ClaimedDelivery, body: string): Promise<AttemptResult> {
    const url = new URL(delivery.url);
    // Checked again at delivery: the allow-list may have changed since the webhook was accepted.
    if (!this.hosts.allows(url)) {
      const error = `${url.host} is not in WEBHOOK_ALLOWED_HOSTS (any more); not sent`;
      return { delivered: false, statusCode: null, error, final: true };
    }
    let secret: string;
    try {
      secret = await this.secrets.open(delivery.sealedSecret);
    } catch (error) {
      if (error instanceof UnreadableWebhookSecret) {
        const detail = `the webhook's secret cannot be read (${error.message}); not sent`;
        return { delivered: false, statusCode: null, error: detail, final: true };
      }
      // The key is read from the database, which may be unreachable for a while.
      return { delivered: false, statusCode: null, error: `not sent: ${String(error)}` };
    }
    return this.sender.send({
      url,
      deliveryId: delivery.id,
      body,
      secret,
      timeoutMs: this.config.webhooks.timeoutMs,
      stop: this.stopping.signal,
    });
  }
}
