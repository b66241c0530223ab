import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AddressRateLimitGuard, PrincipalRateLimitGuard } from './rate-limit.guards';
import { RateLimits } from './rate-limits';

/**
 * Rate limits: a per-address budget on every route (a global guard, so it runs before
 * authentication) and a per-principal one for routes that add PrincipalRateLimitGuard after
 * CallerGuard. Global, so those routes' modules can use the guard.
 */
@Global()
@Module({
  providers: [RateLimits, PrincipalRateLimitGuard, { provide: APP_GUARD, useClass: AddressRateLimitGuard }],
  exports: [RateLimits, PrincipalRateLimitGuard],
})
export class RateLimitModule {}
