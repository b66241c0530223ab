import { UnsupportedMediaTypeException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';

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
