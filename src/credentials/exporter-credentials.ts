/**
 * What the exporter authenticates with. The region is the caller's or server's string, passed to the
 * provider verbatim: this service never interprets region names.
 */
export type ExporterCredentials =
  | { kind: 'access_token'; accessToken: string; region: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; region: string };

/** The credential values that must never appear in logs or files. */
export function secretValues(credentials: ExporterCredentials): string[] {
  return credentials.kind === 'access_token' ? [credentials.accessToken] : [credentials.clientSecret];
}
