import { RequestWithCaller } from '../auth/caller.guard';
import { Principal } from '../auth/caller';
import { toJobId } from '../jobs/export-job';
import { requestContext } from '../logging/request-id';
import { AuditEvent } from './audit-event';

type PrincipalFields = Pick<AuditEvent, 'principal' | 'principalName' | 'organizationId'>;

/** Who acted, as the audit trail records it. */
export function principalAuditFields(principal: Principal | undefined): PrincipalFields {
  if (!principal) return {};
  return {
    principal: principal.key,
    ...(principal.name !== null ? { principalName: principal.name } : {}),
    ...(principal.organizationId !== null ? { organizationId: principal.organizationId } : {}),
  };
}

/** What the `:id` of a route names in the audit trail: a job (the default) or a schedule. */
export type AuditSubjectKind = 'job' | 'schedule';

/** A request whose route said what its `:id` names (AuditedInterceptor notes it on the request). */
export type AuditedRequest = RequestWithCaller & { auditSubject?: AuditSubjectKind };

/** What an audit event says about the request behind it: the job or schedule it names, who asked, from where. */
export function requestAuditFields(
  request: AuditedRequest,
): Pick<AuditEvent, 'jobId' | 'scheduleId' | 'requestId' | 'clientIp'> & PrincipalFields {
  const id = toJobId(request.params?.id) ?? undefined;
  return {
    ...(request.auditSubject === 'schedule' ? { scheduleId: id } : { jobId: id }),
    ...principalAuditFields(request.caller?.principal),
    ...requestContext(request),
  };
}
