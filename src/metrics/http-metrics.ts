import { Injectable } from '@nestjs/common';
import { Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

/** The route label of requests that matched no route (404s, static files). */
const UNMATCHED_ROUTE = 'unmatched';

/** Times every request, labelled by route template so label values stay few. */
@Injectable()
export class HttpMetrics {
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(registry: Registry) {
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
  }

  /**
   * Times the request until its response closes ('close' also fires when the client goes away
   * mid-response: a followed log, a download). `route` is its template when the caller knows it;
   * otherwise the one Express matched, read at the end.
   */
  track(req: Request, res: Response, route?: string): void {
    const stopTimer = this.requestDuration.startTimer();
    const middlewarePath = routePathOf(req);
    res.once('close', () => {
      const matched = routePathOf(req);
      stopTimer({
        method: req.method,
        route: route ?? (matched === undefined || matched === middlewarePath ? UNMATCHED_ROUTE : matched),
        status_code: res.statusCode,
      });
    });
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
