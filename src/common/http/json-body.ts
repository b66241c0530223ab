import { UnsupportedMediaTypeException } from '@nestjs/common';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Refuses a request body that is not JSON with 415 instead of letting it arrive as "no body" (the
 * JSON parser skips other types silently). Requests without a body pass.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!METHODS_WITH_BODY.has(req.method) || !hasBody || req.is('application/json')) {
    next();
    return;
  }
  next(
    new UnsupportedMediaTypeException(
      `The request body must be application/json, not ${req.headers['content-type'] ?? 'untyped'}.`,
    ),
  );
}

/** Request bodies are JSON of at most this size (413 beyond). */
export const parseJsonBody: RequestHandler = json({ limit: '64kb' });

/**
 * What the application's two middlewares above do, for a route answered ahead of Express
 * (pre-router.ts): refuses a body that is not JSON, then parses it into `req.body`.
 */
export async function readJsonBody(req: Request, res: Response): Promise<void> {
  for (const middleware of [requireJsonBody, parseJsonBody]) {
    // These two pass an Error, or nothing, to next (never Express's 'route' or 'router').
    const error = await new Promise<unknown>((resolve) => middleware(req, res, resolve));
    if (error instanceof Error) throw error;
  }
}
