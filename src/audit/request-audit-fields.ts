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

/** What an audit event says about the request behind it: the job it names, who asked, from where. */
export function requestAuditFields(
  request: RequestWithCaller,
): Pick<AuditEvent, 'jobId' | 'requestId' | 'clientIp'> & PrincipalFields {
  return {
    jobId: toJobId(request.params?.id) ?? undefined,
    ...principalAuditFields(request.caller?.principal),
    ...requestContext(request),
  };
}
