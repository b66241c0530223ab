import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { takeFromAll, TokenBuckets } from './token-buckets';

/**
 * What a request costs: `create` (starts a job: the create budget and the request budget),
 * `poll` (reads one job's state: the poll budget only, so following Retry-After on many jobs
 * leaves the rest alone) or `request` (everything else).
 */
export type RequestClass = 'request' | 'create' | 'poll';

/** Who a budget belongs to: the client address (before authentication) or the principal (after). */
export type RateLimitScope = 'address' | 'principal';

export const REQUEST_CLASS = 'rate-limit:class';
export const SKIP_RATE_LIMIT = 'rate-limit:skip';

/** Marks a route's request class (the default is `request`). */
export const RateLimitClass = (requestClass: RequestClass) => SetMetadata(REQUEST_CLASS, requestClass);

/** Exempts a controller or route (health probes, metrics scrapes) from rate limits. */
export const SkipRateLimit = () => SetMetadata(SKIP_RATE_LIMIT, true);

/** Keys remembered per budget: far more than real clients, few enough to bound memory. */
const MAX_KEYS = 100_000;

/** The budgets of every scope and class, from RATE_LIMIT_PER_MINUTE and friends. */
@Injectable()
export class RateLimits {
  private readonly budgets: Record<RateLimitScope, Record<RequestClass, readonly TokenBuckets[]>>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { requestsPerMinute, createsPerMinute, pollsPerMinute } = config.rateLimits;
    const scope = () => {
      const request = new TokenBuckets(requestsPerMinute, MAX_KEYS);
      return {
        request: [request],
        create: [new TokenBuckets(createsPerMinute, MAX_KEYS), request],
        poll: [new TokenBuckets(pollsPerMinute, MAX_KEYS)],
      };
    };
    this.budgets = { address: scope(), principal: scope() };
  }

  /** Admits a request of `requestClass` from `key`: 0, or the milliseconds to wait before retrying. */
  admit(scope: RateLimitScope, key: string, requestClass: RequestClass): number {
    return takeFromAll(this.budgets[scope][requestClass], key);
  }
}
