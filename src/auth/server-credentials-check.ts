import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { GenesysCloudApi } from '../genesys/genesys-cloud-api';

/**
 * What is known of the server's client credentials:
 * - `not_checked`: no GENESYSCLOUD_LOGIN_URL, or no complete credentials, so nothing is checked;
 * - `checking`: the first check has not answered yet;
 * - `valid`: the login service issued a token (and, with GENESYSCLOUD_API_URL, the API accepted it);
 * - `invalid`: Genesys Cloud refused them;
 * - `unreachable`: Genesys Cloud could not be asked (they may be fine).
 */
export type CredentialsState = 'not_checked' | 'checking' | 'valid' | 'invalid' | 'unreachable';

export interface CredentialsStatus {
  state: CredentialsState;
  checkedAt?: Date;
  /** Why they are invalid or could not be checked; never the secret. */
  detail?: string;
  /** Who they are, once valid and the API was asked. */
  clientName?: string;
  organizationId?: string;
}

/**
 * Checks the server's client credentials with the OAuth client-credentials grant at start and then
 * every CREDENTIALS_CHECK_INTERVAL, so a wrong secret shows in readiness instead of in a failed job.
 */
@Injectable()
export class ServerCredentialsCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ServerCredentials');
  private status: CredentialsStatus;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly genesys: GenesysCloudApi,
  ) {
    this.status = { state: this.checkable ? 'checking' : 'not_checked' };
  }

  private get checkable(): boolean {
    const { loginUrl, oauthClientId, oauthClientSecret } = this.config.genesys;
    return Boolean(loginUrl && oauthClientId && oauthClientSecret);
  }

  onApplicationBootstrap(): void {
    if (!this.checkable) return;
    // Not awaited: start-up does not wait for Genesys Cloud; readiness says `checking` meanwhile.
    this.running = this.check();
    this.timer = setInterval(() => {
      this.running ??= this.check();
    }, this.config.genesys.credentialsCheckIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  current(): CredentialsStatus {
    return this.status;
  }

  private async check(): Promise<void> {
    try {
      const next = await this.ask();
      if (next.state !== this.status.state) {
        const message = `The server's client credentials are ${next.state}${next.detail ? `: ${next.detail}` : ''}`;
        if (next.state === 'valid') this.logger.log(message);
        else this.logger.warn(message);
      }
      this.status = next;
    } finally {
      this.running = undefined;
    }
  }

  private async ask(): Promise<CredentialsStatus> {
    const { oauthClientId, oauthClientSecret } = this.config.genesys;
    const checkedAt = new Date();
    const grant = await this.genesys.clientCredentialsToken(oauthClientId!, oauthClientSecret!);
    if (grant.kind === 'unavailable') {
      return { state: 'unreachable', checkedAt, detail: `the login service: ${grant.reason}` };
    }
    if (grant.kind === 'refused') {
      const reason = grant.code ?? `HTTP ${grant.status}`;
      return { state: 'invalid', checkedAt, detail: `the login service refused them (${reason})` };
    }
    if (!this.genesys.apiUrl) return { state: 'valid', checkedAt };
    const info = await this.genesys.tokenInfo(grant.body.access_token);
    if (info.kind === 'unavailable') {
      return { state: 'unreachable', checkedAt, detail: `the Platform API: ${info.reason}` };
    }
    if (info.kind === 'refused') {
      return {
        state: 'invalid',
        checkedAt,
        detail: `the Platform API refused their token (HTTP ${info.status})`,
      };
    }
    return {
      state: 'valid',
      checkedAt,
      ...(info.body.OAuthClient?.name ? { clientName: info.body.OAuthClient.name } : {}),
      ...(info.body.organization?.id ? { organizationId: info.body.organization.id } : {}),
    };
  }
}
