import { SkipRateLimit } from '../rate-limit/rate-limits';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Registry } from 'prom-client';

/** The Prometheus scrape endpoint: public, like the health checks, and exempt from rate limits. */
@ApiTags('metrics')
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Metrics',
    description: "The server's Prometheus metrics, in the text exposition format.",
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', schema: { type: 'string' } })
  async scrape(@Res() res: Response): Promise<void> {
    const exposition = await this.registry.metrics();
    // res.end, not res.send: send would rewrite the content type's parameters.
    res.setHeader('Content-Type', this.registry.contentType);
    res.end(exposition);
  }
}
