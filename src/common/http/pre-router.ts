import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Request, Response } from 'express';

/** A route answered by the pre-router, its path parameters taken by `pattern`'s named groups. */
export interface PreRoute {
  method: 'GET' | 'POST';
  /** The Express path template, for metrics and logs (`/api/v1/exports/:id`). */
  template: string;
  pattern: RegExp;
  answer(req: Request, res: Response): Promise<void>;
}

export interface PreRouterHooks {
  /** Called first for every request the pre-router takes (request id, access log, metrics). */
  onRequest(req: Request, res: Response, route: PreRoute): void;
  /** An error the route threw, to be answered as Nest's exception filter would. */
  onError(error: unknown, req: Request, res: Response): void;
}

/**
 * Answers a few routes that clients repeat many times a second (a status poll), or whose latency
 * is measured (a create), on the HTTP server itself, ahead of Express: no router walk over every
 * route and middleware, no Nest
 * per-request machinery. Everything else, and any request a route's pattern does not match
 * exactly, goes to Express unchanged. The request and response get Express's prototypes first, as
 * Express itself does, so `req.ip`, `res.status` and the exception filter work on them as usual.
 */
export function installPreRouter(
  app: NestExpressApplication,
  routes: PreRoute[],
  hooks: PreRouterHooks,
): void {
  const server: Server = app.getHttpServer();
  // The prototypes Express gives every request and response of this application.
  const express: { request: Request; response: Response } = app.getHttpAdapter().getInstance();
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (listeners.length !== 1)
    throw new Error(`expected Express as the only request listener, found ${listeners.length}`);
  const [handleWithExpress] = listeners;
  server.removeListener('request', handleWithExpress);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const found = matchRoute(routes, req.method, req.url ?? '');
    if (!found) return handleWithExpress(req, res);
    const request = Object.setPrototypeOf(req, express.request) as Request;
    const response = Object.setPrototypeOf(res, express.response) as Response;
    request.res = response;
    response.req = request;
    response.locals = Object.create(null) as Record<string, unknown>;
    request.params = found.params;
    hooks.onRequest(request, response, found.route);
    found.route.answer(request, response).catch((error: unknown) => hooks.onError(error, request, response));
  });
}

function matchRoute(
  routes: PreRoute[],
  method: string | undefined,
  url: string,
): { route: PreRoute; params: Record<string, string> } | undefined {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: { ...match.groups } };
  }
  return undefined;
}
