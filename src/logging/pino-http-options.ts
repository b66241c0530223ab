import { IncomingMessage } from 'node:http';
import { Options } from 'pino-http';
import { AppConfig } from '../config/app-config';
import { redactingLoggerOptions } from './log-redaction';
import { assignRequestId } from './request-id';

/**
 * JSON lines on stdout (pino's default destination), one per finished request. Bodies are never
 * logged: pino-http's request serializer leaves them out. Secrets are censored (log-redaction.ts).
 */
export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    genReqId: assignRequestId,
    // pino-http's serializers: req, res and err.
    ...redactingLoggerOptions(['req', 'res', 'err']),
    autoLogging: { ignore: isProbe },
  };
}

/** Health checks and scrapes come every few seconds; logging each would drown the real requests. */
function isProbe(req: IncomingMessage & { originalUrl?: string }): boolean {
  // originalUrl, as pino-http logs it: Express rewrites req.url inside mounted routers.
  const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}
