import { SkipRateLimit } from '../rate-limit/rate-limits';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { Registry } from 'prom-client';

/** The Prometheus scrape endpoint; operational, so not part of the documented API. */
@ApiExcludeController()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const exposition = await this.registry.metrics();
    // res.end, not res.send: send would rewrite the content type's parameters.
    res.setHeader('Content-Type', this.registry.contentType);
    res.end(exposition);
  }
}
