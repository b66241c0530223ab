import { Global, Module } from '@nestjs/common';
import { AuditTrail } from './audit-trail';
import { AuditedInterceptor } from './audited.interceptor';
import { JobEventRepository } from './job-event.repository';

/** The audit trail: job_events rows and structured log lines. */
@Global()
@Module({
  providers: [JobEventRepository, AuditTrail, AuditedInterceptor],
  exports: [AuditTrail, AuditedInterceptor],
})
export class AuditModule {}
