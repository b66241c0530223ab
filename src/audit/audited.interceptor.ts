import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Response } from 'express';
import { mergeMap, Observable, tap } from 'rxjs';
import { AuditAction, READ_ACTIONS } from './audit-event';
import { AuditTrail } from './audit-trail';
import { AuditedRequest, AuditSubjectKind, requestAuditFields } from './request-audit-fields';

const AUDIT_ACTION = 'audit:action';
const AUDIT_SUBJECT = 'audit:subject';

/** The audit action a route's successful answers are recorded as. */
export const Audited = (action: AuditAction) => SetMetadata(AUDIT_ACTION, action);

/**
 * Records successful requests to @Audited routes, after the handler ran: operations before the
 * answer is sent, reads queued. Rejected requests are recorded where they are turned into problems.
 */
@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditTrail,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    request.auditSubject = this.reflector.get<AuditSubjectKind | undefined>(
      AUDIT_SUBJECT,
      context.getClass(),
    );
    const action = this.reflector.get<AuditAction | undefined>(AUDIT_ACTION, context.getHandler());
    if (!action) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    const eventOf = () => ({
      action,
      outcome: 'success' as const,
      httpStatus: response.statusCode,
      ...requestAuditFields(request),
    });
    if (READ_ACTIONS.has(action)) {
      // Reads are queued: the answer does not wait for the database.
      return next.handle().pipe(tap(() => this.audit.recordRead(eventOf())));
    }
    // An operation's answer waits for its audit record: nothing is answered that the trail does not show.
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        await this.audit.record(eventOf());
        return body;
      }),
    );
  }
}

/**
 * On a controller whose routes' `:id` is not a job's: what it names in the audit trail, for its
 * answers and for its rejections (recorded by the problem filter, from the request).
 */
export const AuditSubject = (subject: AuditSubjectKind) => SetMetadata(AUDIT_SUBJECT, subject);
