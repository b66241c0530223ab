import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { AuditTrail } from '../../audit/audit-trail';
import { RejectedRequests } from '../../metrics/rejected-requests';
import { requestAuditFields } from '../../audit/request-audit-fields';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { DomainError } from '../domain-error';
import { RequestValidationError } from '../validation/request-validation.error';
import { PROBLEM_KINDS, PROBLEM_TYPE_PREFIX, problemTypeOf } from './problem-catalogue';
import { PROBLEM_CONTENT_TYPE, ProblemDocument } from './problem-document';

/** What a client is told to wait while the database is unreachable (seconds). */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Turns every error, including unknown routes and body-parser failures, into an RFC 9457 problem
 * document. Unexpected errors are logged here and reach the client only as a generic 500.
 */
/** Rejections the audit trail records: who was refused what about which job, and why. */
const AUDITED_REJECTIONS = new Set([403, 404, 409, 410, 422]);

/**
 * Rejections that happen before any job is looked at (unauthenticated, rate-limited): counted and
 * logged in aggregate instead, so a flood of them costs no database writes.
 */
const COUNTED_REJECTIONS = new Set([401, 429]);

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(
    private readonly audit: AuditTrail,
    private readonly rejected: RejectedRequests,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    if (response.headersSent) {
      // A streamed body already started; all that is left is to cut the connection.
      response.destroy();
      return;
    }
    if (problem.status === 401)
      response.setHeader('WWW-Authenticate', 'Bearer realm="genesyscloud-export-server"');
    const retryAfter = retryAfterOf(exception);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    if (problem.status === 503 && !response.hasHeader('Retry-After')) response.setHeader('Retry-After', '30');
    if (COUNTED_REJECTIONS.has(problem.status)) this.rejected.count(problem.status, problemReason(problem));
    const send = () =>
      response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    if (!AUDITED_REJECTIONS.has(problem.status)) {
      send();
      return;
    }
    // Like successful answers, a rejection is sent once the audit trail has it.
    void this.audit
      .record({
        action: 'request.rejected',
        outcome: 'rejected',
        httpStatus: problem.status,
        ...requestAuditFields(request),
        detail: {
          method: request.method,
          route: (request.route as { path?: string } | undefined)?.path ?? null,
          type: problem.type,
        },
      })
      .finally(send);
  }

  private toProblem(exception: unknown, request: Request): ProblemDocument {
    const instance = request.originalUrl ?? request.url;
    const base = (status: number, type: string, detail: string): ProblemDocument => ({
      type,
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      instance,
    });

    if (exception instanceof RequestValidationError) {
      return {
        ...base(400, problemTypeOf('invalid-request'), 'The request has invalid fields; see errors.'),
        errors: exception.problems,
      };
    }
    if (exception instanceof DomainError) {
      return {
        ...exception.extensions,
        ...base(PROBLEM_KINDS[exception.code].status, problemTypeOf(exception.code), exception.message),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Extensions first: they must not replace the standard members (terminus sends its own "status").
      return {
        ...httpExceptionExtensions(exception),
        ...base(status, 'about:blank', httpExceptionDetail(exception)),
      };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${(exception as Error).message}`);
      return base(
        503,
        problemTypeOf('database-unavailable'),
        'The job database cannot be reached right now; running exports go on. Retry after the indicated time.',
      );
    }
    const status = clientErrorStatus(exception);
    if (status) {
      // body-parser and similar middleware errors carry their status and a safe message.
      return base(status, 'about:blank', (exception as Error).message);
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return base(500, 'about:blank', 'The server failed to handle the request.');
  }
}

/** The problem type's code (`unauthenticated`, `rate-limited`), or the HTTP status for plain problems. */
function problemReason(problem: ProblemDocument): string {
  return problem.type.startsWith(PROBLEM_TYPE_PREFIX)
    ? problem.type.slice(PROBLEM_TYPE_PREFIX.length)
    : String(problem.status);
}

function retryAfterOf(exception: unknown): number | undefined {
  if (exception instanceof DomainError) return exception.retryAfterSeconds;
  return isDatabaseUnavailable(exception) ? DATABASE_RETRY_AFTER_SECONDS : undefined;
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message)
    ? message.join('; ')
    : typeof message === 'string'
      ? message
      : exception.message;
}

/** Members of an HttpException's body beyond Nest's own (e.g. the health checks' details). */
function httpExceptionExtensions(exception: HttpException): Record<string, unknown> {
  const response = exception.getResponse();
  if (typeof response !== 'object' || response === null) return {};
  const {
    statusCode: _statusCode,
    message: _message,
    error: _error,
    ...rest
  } = response as Record<string, unknown>;
  return rest;
}

function clientErrorStatus(exception: unknown): number | undefined {
  const status = (exception as { status?: unknown; expose?: unknown } | null)?.status;
  const expose = (exception as { expose?: unknown } | null)?.expose;
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}
