import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/domain-error';
import { environmentCredentials } from '../credentials/held-credentials';
import { ServerSecrets } from '../database/server-secrets';
import { Caller, Principal, SERVICE_PRINCIPAL } from './caller';
import { ServerCredentialsCheck } from './server-credentials-check';
import { tokenHashOf, TokenVerifier } from './token-verifier';

/** RFC 6750 b64token, bounded so a huge header is refused rather than hashed; the scheme is case-insensitive. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,4096}=*)$/i;

const SERVICE: Principal = {
  key: SERVICE_PRINCIPAL,
  kind: 'service',
  id: SERVICE_PRINCIPAL,
  name: null,
  organizationId: null,
};

/**
 * Turns a request's Authorization header into a Caller: the Genesys Cloud identity behind the
 * caller's token (verified when GENESYSCLOUD_API_URL is set, otherwise known by the token's hash),
 * or else the server's client credentials. Anything else is `unauthenticated`.
 */
@Injectable()
export class CallerResolver implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Authentication');
  private principalKey: Buffer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: ServerSecrets,
    private readonly verifier: TokenVerifier,
    private readonly serverCredentials: ServerCredentialsCheck,
  ) {}

  /** Whether bearer tokens are verified with Genesys Cloud. */
  get verifiesTokens(): boolean {
    return this.config.genesys.apiUrl !== undefined;
  }

  async onModuleInit(): Promise<void> {
    this.principalKey = await this.secrets.getOrCreate('principal-hash-key');
  }

  onApplicationBootstrap(): void {
    if (!this.verifiesTokens) {
      this.logger.warn(
        'GENESYSCLOUD_API_URL is not set: bearer tokens are NOT verified. Any token is accepted and owns ' +
          'its jobs by its hash; a renewed token does not see the jobs of the old one.',
      );
    }
  }

  async resolve(authorization: string | undefined): Promise<Caller> {
    if (authorization !== undefined) {
      const region = this.config.genesys.region;
      const token = BEARER.exec(authorization.trim())?.[1];
      if (!token) {
        throw new DomainError(
          'unauthenticated',
          'The Authorization header must be "Bearer <Genesys Cloud access token>".',
        );
      }
      if (!region) {
        throw new DomainError(
          'unauthenticated',
          'This server has no GENESYSCLOUD_REGION, which a bearer token needs; ask its operator to set it.',
        );
      }
      const tokenHash = tokenHashOf(this.principalKey, token);
      const credentials = { kind: 'access_token', accessToken: token, region } as const;
      if (!this.verifiesTokens) {
        const principal: Principal = {
          key: tokenHash,
          kind: 'token',
          id: tokenHash,
          name: null,
          organizationId: null,
        };
        return { principal, credentialSource: 'bearer', credentials };
      }
      const identity = await this.verifier.verify(token, tokenHash);
      const principal: Principal = { key: `${identity.kind}:${identity.id}`, ...identity };
      return { principal, tokenHash, credentialSource: 'bearer', credentials };
    }
    const credentials = this.config.allowEnvCredentials ? this.environmentCredentials() : null;
    if (!credentials) {
      throw new DomainError(
        'unauthenticated',
        this.config.allowEnvCredentials
          ? 'Send a Genesys Cloud access token as "Authorization: Bearer <token>". This server has no ' +
              'complete client credentials to fall back on (GENESYSCLOUD_OAUTHCLIENT_ID, ' +
              'GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION).'
          : 'Send a Genesys Cloud access token as "Authorization: Bearer <token>"; this server does not ' +
              'use its own credentials for requests (ALLOW_ENV_CREDENTIALS=false).',
      );
    }
    const check = this.serverCredentials.current();
    if (check.state === 'invalid') {
      throw new DomainError(
        'unauthenticated',
        `Genesys Cloud refused this server's client credentials at their last check ` +
          `(${check.checkedAt!.toISOString()}: ${check.detail}). Send a bearer token, or ask the operator ` +
          'to fix GENESYSCLOUD_OAUTHCLIENT_ID / GENESYSCLOUD_OAUTHCLIENT_SECRET.',
      );
    }
    return { principal: SERVICE, credentialSource: 'environment', credentials };
  }

  /** The server's own credentials, for jobs created with them (they are never stored with the job). */
  environmentCredentials(): Caller['credentials'] | null {
    return environmentCredentials(this.config.genesys);
  }
}
