import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { Caller } from './caller';
import { CallerResolver } from './caller-resolver';

/** A request after CallerGuard ran (routes without the guard have no caller). */
export type RequestWithCaller = Request & { caller?: Caller };

/** Resolves the caller once per request; an unauthenticated request never reaches the controller. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(private readonly resolver: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = await this.resolver.resolve(request.headers.authorization);
    return true;
  }
}

/** The Caller that CallerGuard attached to the request. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without CallerGuard');
  return caller;
});
