import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** A `{id, name}` reference as the Platform API writes them. */
export interface NamedEntity {
  id: string;
  name?: string;
}

/**
 * The parts of `GET /api/v2/tokens/me` (the SDKs' `TokenInfo`) this server reads. `OAuthClient` is
 * the client the token was issued to, for user tokens (code, implicit, SAML grants) as well as for
 * client-credentials tokens; only the latter have no user behind them.
 */
export interface TokenInfo {
  organization?: NamedEntity;
  homeOrganization?: NamedEntity;
  authorizedScope?: string[];
  clonedUser?: { id: string; organization?: NamedEntity };
  OAuthClient?: NamedEntity & { authorizedGrantType?: string; organization?: NamedEntity };
}

/** The parts of `GET /api/v2/users/me` this server reads. */
export interface UserMe {
  id: string;
  name?: string;
}

/** An access token from the login service. */
export interface IssuedToken {
  access_token: string;
  expires_in?: number;
}

/**
 * How Genesys Cloud answered: a body, a refusal (4xx: the credential or the request is not accepted),
 * or nothing usable (unreachable, timed out, 5xx, or throttling us), which a retry may cure.
 */
export type GenesysAnswer<T> =
  | { kind: 'ok'; body: T }
  | { kind: 'refused'; status: number; code?: string; message?: string }
  | { kind: 'unavailable'; reason: string };

/**
 * The few Genesys Cloud endpoints the server calls, at the base URLs the operator configured
 * (GENESYSCLOUD_API_URL, GENESYSCLOUD_LOGIN_URL). Credentials go in headers only and appear in no
 * message this class produces.
 */
@Injectable()
export class GenesysCloudApi {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get apiUrl(): string | undefined {
    return this.config.genesys.apiUrl;
  }

  get loginUrl(): string | undefined {
    return this.config.genesys.loginUrl;
  }

  tokenInfo(accessToken: string): Promise<GenesysAnswer<TokenInfo>> {
    return this.call<TokenInfo>(`${this.requireApiUrl()}/api/v2/tokens/me`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    });
  }

  currentUser(accessToken: string): Promise<GenesysAnswer<UserMe>> {
    return this.call<UserMe>(`${this.requireApiUrl()}/api/v2/users/me`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    });
  }

  /** The OAuth client-credentials grant (RFC 6749 §4.4) with HTTP Basic client authentication. */
  clientCredentialsToken(clientId: string, clientSecret: string): Promise<GenesysAnswer<IssuedToken>> {
    if (!this.loginUrl) throw new Error('GENESYSCLOUD_LOGIN_URL is not set');
    // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      'base64',
    );
    return this.call<IssuedToken>(`${this.loginUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${basic}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    });
  }

  private requireApiUrl(): string {
    if (!this.apiUrl) throw new Error('GENESYSCLOUD_API_URL is not set');
    return this.apiUrl;
  }

  private async call<T>(url: string, init: RequestInit): Promise<GenesysAnswer<T>> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.genesys.requestTimeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return {
        kind: 'unavailable',
        reason: timedOut
          ? `no answer within ${this.config.genesys.requestTimeoutMs} ms`
          : `could not connect (${causeOf(error)})`,
      };
    }
    const text = await response.text().catch(() => '');
    // 429 is Genesys throttling this server, not a verdict on the credential.
    if (response.status >= 500 || response.status === 429) {
      return { kind: 'unavailable', reason: `HTTP ${response.status}` };
    }
    const body = parseJson(text);
    if (response.status >= 400) {
      const problem = (body ?? {}) as {
        code?: unknown;
        error?: unknown;
        message?: unknown;
        error_description?: unknown;
      };
      const code = problem.code ?? problem.error;
      const message = problem.message ?? problem.error_description;
      return {
        kind: 'refused',
        status: response.status,
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof message === 'string' ? { message: message.slice(0, 200) } : {}),
      };
    }
    if (body === undefined || typeof body !== 'object' || body === null) {
      return { kind: 'unavailable', reason: `HTTP ${response.status} without a JSON body` };
    }
    return { kind: 'ok', body: body as T };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch wraps the network error; its cause names it (ECONNREFUSED, ENOTFOUND, ...). */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
