import { createHmac } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/domain-error';
import { ServerSecrets } from '../database/server-secrets';
import { Caller, SERVICE_PRINCIPAL } from './caller';

/** RFC 6750 b64token, bounded so a huge header is refused rather than hashed; the scheme is case-insensitive. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,4096}=*)$/i;

/**
 * Turns a request's Authorization header into a Caller: the caller's own Genesys Cloud token, or
 * else the server's client credentials. Anything else is `unauthenticated`.
 */
@Injectable()
export class CallerResolver implements OnModuleInit {
  private principalKey: Buffer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: ServerSecrets,
  ) {}

  async onModuleInit(): Promise<void> {
    this.principalKey = await this.secrets.getOrCreate('principal-hash-key');
  }

  resolve(authorization: string | undefined): Caller {
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
      return {
        principal: createHmac('sha256', this.principalKey).update(token).digest('hex'),
        credentialSource: 'bearer',
        credentials: { kind: 'access_token', accessToken: token, region },
      };
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
    return { principal: SERVICE_PRINCIPAL, credentialSource: 'environment', credentials };
  }

  /** The server's own credentials, for jobs created with them (they are never stored with the job). */
  environmentCredentials(): Caller['credentials'] | null {
    const { region, oauthClientId, oauthClientSecret } = this.config.genesys;
    if (!oauthClientId || !oauthClientSecret || !region) return null;
    return { kind: 'client_credentials', clientId: oauthClientId, clientSecret: oauthClientSecret, region };
  }
}
