import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CallerResolver } from '../auth/caller-resolver';
import { ServerCredentialsCheck } from '../auth/server-credentials-check';

/**
 * How callers are authenticated (`verified` with Genesys Cloud, or `unverified`, said plainly so no
 * operator mistakes one for the other), and the state of the server's client credentials. Down only
 * when Genesys Cloud refused those credentials; unreachable is reported but not a verdict.
 */
@Injectable()
export class AuthenticationHealthIndicator {
  constructor(
    private readonly callers: CallerResolver,
    private readonly credentials: ServerCredentialsCheck,
    private readonly indicator: HealthIndicatorService,
  ) {}

  tokens(key = 'authentication'): HealthIndicatorResult {
    return this.indicator.check(key).up({
      tokens: this.callers.verifiesTokens ? 'verified' : 'unverified',
      ...(this.callers.verifiesTokens
        ? {}
        : { detail: 'GENESYSCLOUD_API_URL is not set: bearer tokens are accepted without verification' }),
    });
  }

  serverCredentials(key = 'credentials'): HealthIndicatorResult {
    const status = this.credentials.current();
    const details = {
      state: status.state,
      ...(status.checkedAt ? { checked_at: status.checkedAt.toISOString() } : {}),
      ...(status.detail ? { detail: status.detail } : {}),
      ...(status.clientName ? { client_name: status.clientName } : {}),
      ...(status.organizationId ? { organization_id: status.organizationId } : {}),
    };
    const check = this.indicator.check(key);
    return status.state === 'invalid' ? check.down(details) : check.up(details);
  }
}
