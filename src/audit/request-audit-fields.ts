import { RequestWithCaller } from '../auth/caller.guard';
import { toJobId } from '../jobs/export-job';
import { requestContext } from '../logging/request-id';
import { AuditEvent } from './audit-event';

/** What an audit event says about the request behind it: the job it names, who asked, from where. */
export function requestAuditFields(
  request: RequestWithCaller,
): Pick<AuditEvent, 'jobId' | 'principal' | 'requestId' | 'clientIp'> {
  return {
    jobId: toJobId(request.params?.id) ?? undefined,
    principal: request.caller?.principal,
    ...requestContext(request),
  };
}
