import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { RequestWithCaller } from '../auth/caller.guard';
import { DomainError } from '../common/domain-error';
import { RateLimits, RateLimitScope, REQUEST_CLASS, RequestClass, SKIP_RATE_LIMIT } from './rate-limits';

/** Decorated so the subclasses inherit its constructor injection. */
@Injectable()
abstract class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {}

  protected abstract readonly scope: RateLimitScope;

  /** The budget key of the request, or null when this guard has nothing to key on. */
  protected abstract keyOf(request: Request): string | null;

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, targets)) return true;
    const key = this.keyOf(context.switchToHttp().getRequest<Request>());
    if (key === null) return true;
    const requestClass = this.reflector.getAllAndOverride<RequestClass>(REQUEST_CLASS, targets) ?? 'request';
    const waitMs = this.limits.admit(this.scope, key, requestClass);
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new DomainError(
        'rate-limited',
        `Too many ${requestClass === 'request' ? '' : `${requestClass} `}requests; retry in ${seconds} s.`,
        {},
        seconds,
      );
    }
    return true;
  }
}

/**
 * The per-client-address budget, applied to every route before authentication, so made-up tokens
 * cannot multiply a budget.
 */
@Injectable()
export class AddressRateLimitGuard extends RateLimitGuard {
  protected readonly scope = 'address';

  protected keyOf(request: Request): string {
    return request.ip ?? request.socket.remoteAddress ?? 'unknown';
  }
}

/** The per-principal budget, applied after CallerGuard (so the same identity shares it across addresses). */
@Injectable()
export class PrincipalRateLimitGuard extends RateLimitGuard {
  protected readonly scope = 'principal';

  protected keyOf(request: Request): string | null {
    return (request as RequestWithCaller).caller?.principal.key ?? null;
  }
}
