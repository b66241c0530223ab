import { CredentialSource } from '../jobs/export-job';
import { ExporterCredentials } from '../exporter/exporter-credentials';

/** Who is calling, and what their exports authenticate with. */
export interface Caller {
  /** Stable, non-secret identity: a keyed hash of the bearer token, or "service" for the server's own credentials. */
  principal: string;
  credentialSource: CredentialSource;
  credentials: ExporterCredentials;
}

/** The principal of jobs created with the server's environment credentials. */
export const SERVICE_PRINCIPAL = 'service';
