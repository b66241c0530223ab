import { IncomingMessage } from 'node:http';
import { Options } from 'pino-http';
import { AppConfig } from '../config/app-config';
import { assignRequestId } from './request-id';

/**
 * Keys whose values never reach a log line. pino's redact paths match whole key names, not parts
 * of them, so every spelling of a secret or token used in this code base is listed.
 */
const SENSITIVE_KEYS = [
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'oauthClientSecret',
  'GENESYSCLOUD_OAUTHCLIENT_SECRET',
  'GENESYSCLOUD_ACCESS_TOKEN',
];

/** pino has no recursive wildcard: sensitive keys are redacted up to two levels below the top. */
const SENSITIVE_KEY_PREFIXES = ['', '*.', '*.*.'];

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SENSITIVE_KEYS.flatMap((key) => SENSITIVE_KEY_PREFIXES.map((prefix) => `${prefix}${key}`)),
];

/**
 * JSON lines on stdout (pino's default destination), one per finished request. Bodies are never
 * logged: pino-http's request serializer leaves them out.
 */
export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    genReqId: assignRequestId,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    autoLogging: { ignore: isProbe },
  };
}

/** Health checks and scrapes come every few seconds; logging each would drown the real requests. */
function isProbe(req: IncomingMessage & { originalUrl?: string }): boolean {
  // originalUrl, as pino-http logs it: Express rewrites req.url inside mounted routers.
  const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}
