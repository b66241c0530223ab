import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { JobsModule } from '../jobs/jobs.module';
import { PostgresWebhookDeliveryQueue } from './postgres-webhook-delivery-queue';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookDeliveryQueue } from './webhook-delivery-queue';
import { WebhookDeliveryRepository } from './webhook-delivery-repository';
import { WebhookSecretBox } from './webhook-secret-box';
import { WebhookSender } from './webhook-sender';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks announcing job ends: accepting and storing them (for exports and schedules), and
 * delivering them from every server, signed, retried, recorded.
 */
@Module({
  imports: [DatabaseModule, JobsModule],
  providers: [
    WebhooksService,
    WebhookSecretBox,
    WebhookDeliveryRepository,
    { provide: WebhookDeliveryQueue, useClass: PostgresWebhookDeliveryQueue },
    WebhookSender,
    WebhookDeliverer,
  ],
  exports: [WebhooksService],
})
export class WebhooksModule {}
