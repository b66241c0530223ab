import { CredentialSource, OwnerKind } from '../jobs/export-job';
import { ExporterCredentials } from '../credentials/exporter-credentials';

/**
 * Who is calling, as jobs and the audit trail record it; never a credential.
 * - `user` / `client`: a Genesys Cloud user or OAuth client, from a verified token;
 * - `token`: an unverified bearer token, known only by its keyed hash;
 * - `service`: the server's own client credentials.
 */
export interface Principal {
  /** What jobs are owned by: `user:<id>`, `client:<id>`, the token hash, or `service`. */
  key: string;
  kind: OwnerKind;
  /** The Genesys Cloud user or client id; the token hash; `service`. */
  id: string;
  /** The user's or client's display name, when Genesys Cloud told it. */
  name: string | null;
  /** The Genesys Cloud organization, for verified identities. */
  organizationId: string | null;
}

export interface Caller {
  principal: Principal;
  /**
   * The keyed hash of a verified bearer token: jobs created with it before tokens were verified
   * are owned by it and stay reachable with the same token.
   */
  tokenHash?: string;
  credentialSource: CredentialSource;
  credentials: ExporterCredentials;
}

/** The principal key of jobs created with the server's environment credentials. */
export const SERVICE_PRINCIPAL = 'service';
