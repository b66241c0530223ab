import { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { AppConfig } from '../config/app-config';
import { redactingLoggerOptions } from './log-redaction';
import { assignRequestId } from './request-id';

/** What the request log reads off a request: Express's, or a pre-routed one given Express's prototypes. */
type LoggedRequest = IncomingMessage & {
  id?: unknown;
  originalUrl?: string;
  params?: Record<string, string>;
};

/**
 * The options of every logger here: JSON lines on stdout (pino's default destination) at LOG_LEVEL,
 * with secrets censored (log-redaction.ts) in the request and response a request line carries.
 */
export function loggerOptions(config: AppConfig): pino.LoggerOptions {
  return { level: config.logLevel, ...redactingLoggerOptions(['req', 'res', 'err']) };
}

/**
 * The request log: gives each request its id (request-id.ts) and, when the response is done,
 * writes one line with the request (method, URL, path parameters, headers, client address), the
 * response (status, headers) and the time it took. Bodies are never logged.
 *
 * One listener and one line per request, rather than pino-http with nestjs-pino's request context:
 * those make a child logger per request and bind it with AsyncLocalStorage, which on Node 20 turns
 * on promise hooks for every promise in the process (a fifth of a status poll's CPU).
 */
export function createRequestLog(logger: pino.Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req: LoggedRequest, res) => {
    req.id ??= assignRequestId(req, res);
    if (isProbe(req)) return;
    const started = performance.now();
    res.once('close', () => {
      const line = {
        req: {
          id: req.id,
          method: req.method,
          url: req.originalUrl ?? req.url,
          params: req.params,
          headers: req.headers,
          remoteAddress: req.socket.remoteAddress,
          remotePort: req.socket.remotePort,
        },
        res: { statusCode: res.statusCode, headers: res.getHeaders() },
        responseTime: Math.round(performance.now() - started),
      };
      if (res.statusCode >= 500) logger.error(line, 'request errored');
      else logger.info(line, res.writableFinished ? 'request completed' : 'request aborted');
    });
  };
}

/** Health checks and scrapes come every few seconds; logging each would drown the real requests. */
function isProbe(req: LoggedRequest): boolean {
  // originalUrl, as it is logged: Express rewrites req.url inside mounted routers.
  const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}
