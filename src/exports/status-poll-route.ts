import { Injectable } from '@nestjs/common';
import { Request, Response } from 'express';
import { auditedActionOf } from '../audit/audited.interceptor';
import { AuditTrail } from '../audit/audit-trail';
import { requestAuditFields } from '../audit/request-audit-fields';
import { RequestWithCaller } from '../auth/caller.guard';
import { CallerResolver } from '../auth/caller-resolver';
import { PreRoute } from '../common/http/pre-router';
import { sendJson } from '../common/http/send-json';
import { clientAddressOf } from '../rate-limit/rate-limit.guards';
import { RateLimits, REQUEST_CLASS, RequestClass } from '../rate-limit/rate-limits';
import { ExportsController } from './exports.controller';
import { ExportsService } from './exports.service';
import { answerJobStatus } from './job-response';

// eslint-disable-next-line @typescript-eslint/unbound-method -- read for its decorators' metadata, never called
const handler = ExportsController.prototype.status;

/**
 * `GET /api/v1/exports/{id}`, the request pollers repeat most, answered through the pre-router:
 * what the controller route does with its guards and interceptor (address budget, caller, principal
 * budget, the job, the answer, the read in the audit trail), called directly. Its budget class and
 * audit action are read from the controller method's decorators, so the two cannot drift apart;
 * errors go to the exception filter exactly as the controller route's do.
 */
@Injectable()
export class StatusPollRoute implements PreRoute {
  readonly template = '/api/v1/exports/:id';
  /** A job id as the controller takes it; anything else (other ids, encodings) goes through Nest. */
  readonly pattern = /^\/api\/v1\/exports\/(?<id>[0-9A-Fa-f-]{36})$/;
  private readonly requestClass = (Reflect.getMetadata(REQUEST_CLASS, handler) as RequestClass | undefined) ?? 'request';
  private readonly action = auditedActionOf(handler);

  constructor(
    private readonly limits: RateLimits,
    private readonly callers: CallerResolver,
    private readonly exports: ExportsService,
    private readonly audit: AuditTrail,
  ) {}

  async answer(req: Request, res: Response): Promise<void> {
    this.limits.admitOrRefuse('address', clientAddressOf(req), this.requestClass);
    const caller = await this.callers.resolve(req.headers.authorization);
    (req as RequestWithCaller).caller = caller;
    this.limits.admitOrRefuse('principal', caller.principal.key, this.requestClass);
    const job = await this.exports.get(String(req.params.id), caller);
    const body = answerJobStatus(res, job, req.get('Prefer'), req.get('If-None-Match'));
    if (this.action) {
      this.audit.recordRead({ action: this.action, outcome: 'success', httpStatus: res.statusCode, ...requestAuditFields(req) });
    }
    if (body === undefined) {
      res.end();
      return;
    }
    sendJson(res, body);
  }
}
