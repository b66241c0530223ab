import { Controller, Get, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited, AuditedInterceptor } from '../audit/audited.interceptor';
import { Caller } from '../auth/caller';
import { CallerGuard, CurrentCaller } from '../auth/caller.guard';
import { ApiProblemResponses } from '../common/problem-details/api-problem-responses';
import { ApiJobIdParam, JOB_ROUTE_PROBLEMS } from '../exports/exports.controller';
import { ExportsService } from '../exports/exports.service';
import { PrincipalRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { webhookDeliveriesView, WebhookDeliveriesView } from './webhook-views';
import { WebhooksService } from './webhooks.service';

@ApiTags('exports')
@ApiBearerAuth()
@Controller('api/v1/exports')
@UseGuards(CallerGuard, PrincipalRateLimitGuard)
@UseInterceptors(AuditedInterceptor)
export class WebhookDeliveriesController {
  constructor(
    private readonly exports: ExportsService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get(':id/webhook-deliveries')
  @ApiJobIdParam()
  @Audited('job.webhook_deliveries_read')
  @ApiOperation({
    operationId: 'getExportWebhookDeliveries',
    summary: "A job's webhook and the delivery of its end",
    description:
      "The job's webhook (its URL; never its secret) and, once the job ended, the delivery announcing it: " +
      'its state and every attempt with its time and outcome (HTTP status or error). Visible to whoever ' +
      'may see the job; removed with its files when the job expires.',
  })
  @ApiOkResponse({ type: WebhookDeliveriesView })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS)
  async deliveries(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<WebhookDeliveriesView> {
    const job = await this.exports.get(id, caller);
    const { url, deliveries } = await this.webhooks.deliveriesOf(job.id);
    return webhookDeliveriesView(job.id, url, deliveries);
  }
}
