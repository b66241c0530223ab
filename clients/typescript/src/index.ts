/**
 * A typed client for the export server: openapi-fetch over the types that openapi-typescript generates
 * from openapi.json into schema.d.ts (`npm run openapi` rewrites both; never edit schema.d.ts).
 */
import createClient, { Client, ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

export type ExportServerClient = Client<paths>;
export type Job = components['schemas']['JobView'];
export type JobStatus = Job['status'];
export type ProblemDocument = components['schemas']['ProblemDocument'];

export interface ExportServerClientOptions {
  /** Where the server is, such as `https://exports.internal.example`. */
  baseUrl: string;
  /** A Genesys Cloud OAuth access token; without one the server uses its own credentials, if it has any. */
  token?: string;
  /** Another fetch (tests, proxies, retries). */
  fetch?: ClientOptions['fetch'];
}

export function createExportServerClient({
  baseUrl,
  token,
  fetch,
}: ExportServerClientOptions): ExportServerClient {
  return createClient<paths>({
    baseUrl,
    fetch,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

// A record, so the compiler says when the document's list of states changes.
const JOB_STATUSES: Record<JobStatus, 'unfinished' | 'final'> = {
  pending: 'unfinished',
  running: 'unfinished',
  completed: 'final',
  failed: 'final',
  cancelled: 'final',
  expired: 'final',
};

function isJobStatus(value: string | null): value is JobStatus {
  return value !== null && Object.hasOwn(JOB_STATUSES, value);
}

/**
 * The job state every job response carries in `Job-Status`, the only state signal on a 204 (which has
 * no body); undefined when the response has none (errors).
 */
export function jobStatusOf(response: Response): JobStatus | undefined {
  const value = response.headers.get('Job-Status');
  return isJobStatus(value) ? value : undefined;
}

/** Whether a job in this state can still change on its own (pending or running). */
export function isUnfinished(status: JobStatus): boolean {
  return JOB_STATUSES[status] === 'unfinished';
}
