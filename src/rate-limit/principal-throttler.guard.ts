import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { Request, Response } from 'express';

/**
 * Rate limits per principal: a hash of the bearer token when there is one (so callers behind one
 * proxy do not share a budget), otherwise the client address.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as Request;
    const authorization = request.headers.authorization;
    if (authorization)
      return Promise.resolve(`token:${createHash('sha256').update(authorization).digest('hex')}`);
    return Promise.resolve(`ip:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`);
  }

  /** A plain `Retry-After`, whichever limit was hit (the library names it per limit). */
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(detail.timeToBlockExpire));
    return super.throwThrottlingException(context, detail);
  }
}
