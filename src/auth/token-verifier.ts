import { createHmac } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DomainError } from '../common/domain-error';
import { GenesysCloudApi, TokenInfo } from '../genesys/genesys-cloud-api';

/** A Genesys Cloud identity behind a verified token. */
export interface VerifiedIdentity {
  kind: 'user' | 'client';
  id: string;
  name: string | null;
  organizationId: string;
}

/** How long a verified token is trusted without asking Genesys Cloud again. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Verified tokens remembered at once; the least recently used is forgotten first. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** When to retry a request that Genesys Cloud could not verify. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** `OAuthClient.authorizedGrantType` of a client-credentials client in `tokens/me`. */
const CLIENT_CREDENTIALS_GRANT = 'CLIENT-CREDENTIALS';

/**
 * Verifies bearer tokens with Genesys Cloud (`GET /api/v2/tokens/me`, then `GET /api/v2/users/me`
 * for tokens with a user behind them) and remembers the answer briefly. The cache is keyed by a
 * keyed hash of the token, so the token itself is never kept; concurrent requests with the same
 * token share one verification.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly verified: LRUCache<string, VerifiedIdentity, string>;

  constructor(private readonly genesys: GenesysCloudApi) {
    this.verified = new LRUCache<string, VerifiedIdentity, string>({
      max: VERIFIED_TOKEN_CACHE_SIZE,
      ttl: VERIFIED_TOKEN_TTL_MS,
      // The token reaches the lookup as its context only, never as a key or a stored value.
      fetchMethod: (_key, _stale, { context }) => this.ask(context),
    });
  }

  /** The identity behind `token`, keyed in the cache by `tokenHash` (an HMAC of it). */
  async verify(token: string, tokenHash: string): Promise<VerifiedIdentity> {
    const identity = await this.verified.fetch(tokenHash, { context: token });
    // fetchMethod always answers or throws; undefined would mean it was aborted.
    if (!identity) throw this.unavailable('the verification was interrupted');
    return identity;
  }

  private async ask(token: string): Promise<VerifiedIdentity> {
    const info = await this.genesys.tokenInfo(token);
    if (info.kind === 'unavailable') throw this.unavailable(info.reason);
    if (info.kind === 'refused') throw refused(info.status);
    const organizationId = info.body.organization?.id;
    if (!isId(organizationId)) throw this.unavailable('tokens/me named no organization');
    const client = info.body.OAuthClient;
    if (isId(client?.id) && client.authorizedGrantType === CLIENT_CREDENTIALS_GRANT) {
      return clientIdentity(info.body, organizationId);
    }
    const user = await this.genesys.currentUser(token);
    if (user.kind === 'unavailable') throw this.unavailable(user.reason);
    if (user.kind === 'refused') {
      // users/me refuses tokens without a user context (client credentials) with 400.
      if (user.status === 400 && isId(client?.id)) return clientIdentity(info.body, organizationId);
      throw refused(user.status);
    }
    if (!isId(user.body.id)) throw this.unavailable('users/me named no user');
    return { kind: 'user', id: user.body.id, name: displayName(user.body.name), organizationId };
  }

  private unavailable(reason: string): DomainError {
    this.logger.warn(`Genesys Cloud could not verify a bearer token: ${reason}`);
    return new DomainError(
      'identity-provider-unavailable',
      `Genesys Cloud could not be asked who the token belongs to (${reason}); try again shortly.`,
      {},
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
  }
}

function clientIdentity(info: TokenInfo, organizationId: string): VerifiedIdentity {
  const client = info.OAuthClient!;
  return { kind: 'client', id: client.id, name: displayName(client.name), organizationId };
}

/** Genesys Cloud ids are GUIDs; anything else is not an answer to build an owner from. */
function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value);
}

const displayName = (name: unknown): string | null => (typeof name === 'string' ? name.slice(0, 256) : null);

function refused(status: number): DomainError {
  return new DomainError(
    'unauthenticated',
    `Genesys Cloud did not accept the bearer token (HTTP ${status}); it may have expired or been revoked.`,
  );
}

/** The keyed hash a token is known by (cache key, and owner of jobs from before verification). */
export function tokenHashOf(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token).digest('hex');
}
