import { CreateExportJobs1763700000000 } from './1763700000000-create-export-jobs';
import { CreateIdempotencyKeys1763710000000 } from './1763710000000-create-idempotency-keys';
import { AddExpiryAndJobEvents1763720000000 } from './1763720000000-add-expiry-and-job-events';
import { AddJobServer1763730000000 } from './1763730000000-add-job-server';
import { IndexJobEventsTime1796121871474 } from './1796121871474-index-job-events-time';
import { JobListIndexAndStatusCounts1796123597732 } from './1796123597732-job-list-index-and-status-counts';
import { AddJobOwnerIdentity1796125979863 } from './1796125979863-add-job-owner-identity';
import { AddJobLease1796130000000 } from './1796130000000-add-job-lease';
import { CreateExportSchedules1796140000000 } from './1796140000000-create-export-schedules';
import { CreateWebhookDeliveries1796150000000 } from './1796150000000-create-webhook-deliveries';
import { AddScheduleAuditEvents1796160000000 } from './1796160000000-add-schedule-audit-events';
import { AddJobCreateFunctions1796170000000 } from './1796170000000-add-job-create-functions';

/** Every migration, oldest first. Listed explicitly so the app, the CLI and tests load the same set. */
export const MIGRATIONS = [
  CreateExportJobs1763700000000,
  CreateIdempotencyKeys1763710000000,
  AddExpiryAndJobEvents1763720000000,
  AddJobServer1763730000000,
  IndexJobEventsTime1796121871474,
  JobListIndexAndStatusCounts1796123597732,
  AddJobOwnerIdentity1796125979863,
  AddJobLease1796130000000,
  CreateExportSchedules1796140000000,
  CreateWebhookDeliveries1796150000000,
  AddScheduleAuditEvents1796160000000,
  AddJobCreateFunctions1796170000000,
];
