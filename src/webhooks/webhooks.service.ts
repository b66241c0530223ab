import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AllowedHosts } from './allowed-hosts';
import { WebhookDto } from './dto/webhook.dto';
import { DeliveryRecord, RunChangeSummary, SealedWebhook, WebhookTarget } from './webhook-delivery';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookDeliveryRepository } from './webhook-delivery-repository';
import { WebhookSecretBox } from './webhook-secret-box';

/**
 * Webhooks as the exports and schedules use them: a requested webhook is checked against
 * WEBHOOK_ALLOWED_HOSTS and its secret sealed; a job's webhook is stored with the job, and its
 * end is delivered by the WebhookDeliverer of whichever server claims it.
 */
@Injectable()
export class WebhooksService {
  private readonly hosts: AllowedHosts;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly secrets: WebhookSecretBox,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly deliverer: WebhookDeliverer,
  ) {
    this.hosts = new AllowedHosts(config.webhooks.allowedHosts);
  }

  /** A webhook a request names, once the server may call its host; its secret sealed. */
  async accept(request: WebhookDto): Promise<SealedWebhook> {
    if (!this.hosts.enabled) {
      throw new DomainError(
        'webhooks-disabled',
        'This server sends no webhooks: its operator has allowed no host (WEBHOOK_ALLOWED_HOSTS is empty). ' +
          'Leave out webhook, or ask for its host to be allowed.',
      );
    }
    const url = new URL(request.url);
    if (!this.hosts.allows(url)) {
      throw new DomainError(
        'webhook-host-not-allowed',
        `The webhook's host ${url.host} is not one this server may call (WEBHOOK_ALLOWED_HOSTS); use an ` +
          "allowed host, or ask the server's operator to allow this one.",
        { host: url.host },
      );
    }
    return { url: url.href, sealedSecret: await this.secrets.seal(request.secret) };
  }

  /** Stores the job's webhook, inside the transaction that creates the job. */
  attach(manager: EntityManager, jobId: string, target: WebhookTarget): Promise<void> {
    return this.deliveries.attach(manager, jobId, target);
  }

  /** A scheduled run's job ended and its change summary is known (null: none): its delivery may go. */
  async recordRunChanges(jobId: string, changes: RunChangeSummary | null): Promise<void> {
    await this.deliveries.recordChanges(jobId, changes);
    this.deliverer.wake();
  }

  /** The schedule was deleted: its runs' deliveries wait for no change summary. */
  async scheduleDeleted(scheduleId: string): Promise<void> {
    await this.deliveries.stopAwaitingChanges(scheduleId);
    this.deliverer.wake();
  }

  /** The jobs expired: their deliveries go with them. */
  forgetJobs(jobIds: string[]): Promise<void> {
    return this.deliveries.forgetJobs(jobIds);
  }

  /** The job's webhook URL (null without one) and the delivery of its end, once it ended. */
  deliveriesOf(jobId: string): Promise<{ url: string | null; deliveries: DeliveryRecord[] }> {
    return this.deliveries.ofJob(jobId);
  }
}
