import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExportsModule } from '../exports/exports.module';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhooksModule } from './webhooks.module';

/** The deliveries of a job's webhook, found with the exports module's visibility rule. */
@Module({
  imports: [AuthModule, ExportsModule, WebhooksModule],
  controllers: [WebhookDeliveriesController],
})
export class WebhookDeliveriesModule {}
