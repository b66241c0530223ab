import { ExporterCredentials } from './exporter-credentials';

/**
 * The only place credentials are kept: bearer tokens of this server's jobs, in memory, from the
 * create request until the run ends (never stored anywhere), and the server's own client
 * credentials from its configuration.
 */
export class HeldCredentials {
  private readonly bearer = new Map<string, ExporterCredentials>();

  constructor(private readonly environment: ExporterCredentials | null) {}

  hold(jobId: string, credentials: ExporterCredentials): void {
    this.bearer.set(jobId, credentials);
  }

  forget(jobId: string): void {
    this.bearer.delete(jobId);
  }

  /** Ids of the jobs whose bearer token this server holds. */
  heldJobIds(): string[] {
    return [...this.bearer.keys()];
  }

  /** What a job runs with: its held token, or the server's credentials; null when neither exists. */
  forJob(jobId: string, source: 'bearer' | 'environment'): ExporterCredentials | null {
    return source === 'bearer' ? (this.bearer.get(jobId) ?? null) : this.environment;
  }
}

/** The server's own client credentials, when all three settings are present. */
export function environmentCredentials(genesys: {
  oauthClientId?: string;
  oauthClientSecret?: string;
  region?: string;
}): ExporterCredentials | null {
  const { region, oauthClientId, oauthClientSecret } = genesys;
  if (!oauthClientId || !oauthClientSecret || !region) return null;
  return { kind: 'client_credentials', clientId: oauthClientId, clientSecret: oauthClientSecret, region };
}
