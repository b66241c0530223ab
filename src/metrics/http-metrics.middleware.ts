import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

/** The route label of requests that matched no route (404s, static files). */
const UNMATCHED_ROUTE = 'unmatched';

/** Times every request, labelled by route template so label values stay few. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(registry: Registry) {
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const stopTimer = this.requestDuration.startTimer();
    const middlewarePath = routePathOf(req);
    // 'close' also fires when the client goes away mid-response (a followed log, a download).
    res.once('close', () => {
      const route = routePathOf(req);
      stopTimer({
        method: req.method,
        route: route === undefined || route === middlewarePath ? UNMATCHED_ROUTE : route,
        status_code: res.statusCode,
      });
    });
    next();
  }
}

/**
 * The path of the last Express route the request matched: a template (/api/v1/exports/:id), never
 * the URL, whose ids are unbounded. Nest mounts middleware as catch-all routes too, so a request no
 * controller matched still carries the catch-all path the middleware was mounted on.
 */
function routePathOf(req: Request): string | undefined {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? route.path : undefined;
}
