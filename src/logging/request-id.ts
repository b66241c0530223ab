import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Request } from 'express';

const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's id is kept only as a short plain token, so it cannot forge log lines or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The request's id: the caller's X-Request-Id when it is sane, a new UUID otherwise. It is
 * always sent back, so a caller can quote it when reporting a problem.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * The request's id (as logged and returned in X-Request-Id) and client address, for records that
 * point back to logs.
 */
export function requestContext(req: Request): { requestId?: string; clientIp?: string } {
  return {
    requestId: typeof req.id === 'string' ? req.id : undefined,
    clientIp: req.ip ?? req.socket?.remoteAddress ?? undefined,
  };
}
