import { DomainErrorCode } from '../domain-error';

/**
 * Every kind of problem document the server sends: the domain's errors and the few that HTTP
 * machinery raises (body parser, static file sending, the database driver). The filter takes each
 * domain error's status from here and the OpenAPI document its examples, so the two cannot differ.
 */
export type ProblemKind =
  | DomainErrorCode
  | 'invalid-request'
  | 'malformed-body'
  | 'undecodable-path'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'precondition-failed'
  | 'range-not-satisfiable'
  | 'database-unavailable'
  | 'health-check-failed';

export interface ProblemKindInfo {
  status: number;
  /** `true`: the type is `urn:genesyscloud-export-server:problem:<kind>`; `false`: `about:blank`. */
  ownType: boolean;
  /** A detail as the server words it, for the document's examples. */
  exampleDetail: string;
  /** Extension members the server adds, as they appear in the examples. */
  exampleExtensions?: Record<string, unknown>;
  /** The request target of the examples; a job's URL unless given. */
  exampleInstance?: string;
}

export const EXAMPLE_JOB_ID = '3f0e8e52-6f1a-4a55-9d7e-2b1c0e7a9a10';
export const EXAMPLE_SCHEDULE_ID = '8d2c4b1e-5a3f-4e6d-9b7a-1c2d3e4f5a6b';

export const PROBLEM_KINDS: Record<ProblemKind, ProblemKindInfo> = {
  'invalid-request': {
    status: 400,
    ownType: true,
    exampleDetail: 'The request has invalid fields; see errors.',
    exampleExtensions: {
      errors: [
        { pointer: '/export_format', detail: 'export_format must be one of hcl, json, json_hcl, hcl_json' },
      ],
    },
    exampleInstance: '/api/v1/exports',
  },
  'malformed-body': {
    status: 400,
    ownType: false,
    exampleDetail: 'Unexpected token } in JSON at position 12',
    exampleInstance: '/api/v1/exports',
  },
  'undecodable-path': {
    status: 400,
    ownType: false,
    exampleDetail: "Failed to decode param '%ff'",
    exampleInstance: '/api/v1/exports/%ff',
  },
  'invalid-idempotency-key': {
    status: 400,
    ownType: true,
    exampleDetail: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
    exampleInstance: '/api/v1/exports',
  },
  'invalid-cursor': {
    status: 400,
    ownType: true,
    exampleDetail: 'cursor must be the next_cursor of a previous page of this list.',
    exampleInstance: '/api/v1/exports?cursor=abc',
  },
  'webhook-host-not-allowed': {
    status: 400,
    ownType: true,
    exampleDetail:
      "The webhook's host hooks.example.net is not one this server may call (WEBHOOK_ALLOWED_HOSTS); use an " +
      "allowed host, or ask the server's operator to allow this one.",
    exampleExtensions: { host: 'hooks.example.net' },
    exampleInstance: '/api/v1/exports',
  },
  unauthenticated: {
    status: 401,
    ownType: true,
    exampleDetail: 'The Authorization header must be "Bearer <Genesys Cloud access token>".',
    exampleInstance: '/api/v1/exports',
  },
  'job-not-found': {
    status: 404,
    ownType: true,
    exampleDetail: `No export job "${EXAMPLE_JOB_ID}" exists.`,
  },
  'download-not-available': {
    status: 404,
    ownType: true,
    exampleDetail: 'The export job is running; only completed jobs have a download.',
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'running' },
  },
  'schedule-not-found': {
    status: 404,
    ownType: true,
    exampleDetail: `No schedule "${EXAMPLE_SCHEDULE_ID}" exists.`,
    exampleInstance: `/api/v1/schedules/${EXAMPLE_SCHEDULE_ID}`,
  },
  'schedules-need-server-credentials': {
    status: 409,
    ownType: true,
    exampleDetail:
      "Scheduled runs use this server's own client credentials (a bearer token cannot be kept for later runs), " +
      'and it has none: ask its operator to set GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and ' +
      'GENESYSCLOUD_REGION.',
    exampleInstance: '/api/v1/schedules',
  },
  'too-many-schedules': {
    status: 409,
    ownType: true,
    exampleDetail:
      'You already have 50 schedules, the most one owner may have on this server (MAX_SCHEDULES_PER_OWNER); ' +
      'delete one first.',
    exampleExtensions: { limit: 50 },
    exampleInstance: '/api/v1/schedules',
  },
  'job-conflict': {
    status: 409,
    ownType: true,
    exampleDetail: `An identical export is already running: job ${EXAMPLE_JOB_ID}. Poll it, or cancel it first.`,
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'running' },
    exampleInstance: '/api/v1/exports',
  },
  'job-has-no-results': {
    status: 409,
    ownType: true,
    exampleDetail: 'The export job failed; it has no results.',
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'failed' },
  },
  'export-not-completed': {
    status: 409,
    ownType: true,
    exampleDetail: `The \`since\` export ${EXAMPLE_JOB_ID} is running; only completed exports can be compared.`,
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'running' },
    exampleInstance: `/api/v1/exports/${EXAMPLE_JOB_ID}/changes?since=${EXAMPLE_JOB_ID}`,
  },
  'job-expired': {
    status: 410,
    ownType: true,
    exampleDetail: 'The export expired: its files were removed after the retention period (JOB_RETENTION).',
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'expired' },
  },
  'precondition-failed': {
    status: 412,
    ownType: false,
    exampleDetail: 'Precondition Failed',
  },
  'body-too-large': {
    status: 413,
    ownType: false,
    exampleDetail: 'request entity too large',
    exampleInstance: '/api/v1/exports',
  },
  'unsupported-media-type': {
    status: 415,
    ownType: false,
    exampleDetail: 'The request body must be application/json, not text/plain.',
    exampleInstance: '/api/v1/exports',
  },
  'range-not-satisfiable': {
    status: 416,
    ownType: false,
    exampleDetail: 'Range Not Satisfiable',
  },
  'idempotency-key-reused': {
    status: 422,
    ownType: true,
    exampleDetail:
      'This Idempotency-Key was already used with different parameters; use a new key for a new export.',
    exampleInstance: '/api/v1/exports',
  },
  'webhooks-disabled': {
    status: 422,
    ownType: true,
    exampleDetail:
      'This server sends no webhooks: its operator has allowed no host (WEBHOOK_ALLOWED_HOSTS is empty). ' +
      'Leave out webhook, or ask for its host to be allowed.',
    exampleInstance: '/api/v1/exports',
  },
  'exports-incomparable': {
    status: 422,
    ownType: true,
    exampleDetail:
      'The exports cannot be compared: include_filter_resources differs (it selects other resources: they ' +
      'would show as added or removed). Pass force=true to compare them anyway.',
    exampleExtensions: {
      incomparable: [
        {
          attribute: 'include_filter_resources',
          reason: 'it selects other resources: they would show as added or removed',
          export: ['genesyscloud_routing_queue'],
          since: ['genesyscloud_routing_queue', 'genesyscloud_user'],
        },
      ],
    },
    exampleInstance: `/api/v1/exports/${EXAMPLE_JOB_ID}/changes?since=${EXAMPLE_JOB_ID}`,
  },
  'export-too-large': {
    status: 422,
    ownType: true,
    exampleDetail: `The export ${EXAMPLE_JOB_ID} is too large to compare: the export's configuration and state files are 40000000 bytes, more than 33554432.`,
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, bytes: 40000000, limit: 33554432 },
    exampleInstance: `/api/v1/exports/${EXAMPLE_JOB_ID}/changes?since=${EXAMPLE_JOB_ID}`,
  },
  'export-unreadable': {
    status: 422,
    ownType: true,
    exampleDetail: `The export ${EXAMPLE_JOB_ID} cannot be read: genesyscloud.tf.json: Unexpected end of JSON input.`,
    exampleExtensions: { job_id: EXAMPLE_JOB_ID },
    exampleInstance: `/api/v1/exports/${EXAMPLE_JOB_ID}/changes?since=${EXAMPLE_JOB_ID}`,
  },
  'rate-limited': {
    status: 429,
    ownType: true,
    exampleDetail: 'Too many create requests; retry in 12 s.',
    exampleInstance: '/api/v1/exports',
  },
  'too-many-follow-streams': {
    status: 429,
    ownType: true,
    exampleDetail:
      'You already follow 4 logs on this server (MAX_FOLLOW_STREAMS); close one, or read the log without follow.',
  },
  'database-unavailable': {
    status: 503,
    ownType: true,
    exampleDetail:
      'The job database cannot be reached right now; running exports go on. Retry after the indicated time.',
    exampleInstance: '/api/v1/exports',
  },
  'identity-provider-unavailable': {
    status: 503,
    ownType: true,
    exampleDetail: 'Genesys Cloud could not be asked who the token belongs to (timeout); try again shortly.',
  },
  'shutting-down': {
    status: 503,
    ownType: true,
    exampleDetail: 'The server is shutting down and accepts no new exports; try again shortly.',
    exampleInstance: '/api/v1/exports',
  },
  'exporter-unavailable': {
    status: 503,
    ownType: true,
    exampleDetail:
      'The exporter is unavailable: terraform was not found (TERRAFORM_BIN=terraform); install Terraform or set TERRAFORM_BIN.',
    exampleInstance: '/api/v1/exports',
  },
  'job-files-unavailable': {
    status: 503,
    ownType: true,
    exampleDetail:
      'The export completed, but this server cannot see its files in its export folder (EXPORT_BASE_DIR). ' +
      'Servers that share a database must share that folder too.',
    exampleExtensions: { job_id: EXAMPLE_JOB_ID, job_status: 'completed' },
  },
  'health-check-failed': {
    status: 503,
    ownType: false,
    exampleDetail: 'Service Unavailable Exception',
    exampleExtensions: {
      info: {},
      error: { database: { status: 'down', message: 'timeout of 2000ms exceeded' } },
      details: { database: { status: 'down', message: 'timeout of 2000ms exceeded' } },
    },
    exampleInstance: '/health/ready',
  },
};

export const PROBLEM_TYPE_PREFIX = 'urn:genesyscloud-export-server:problem:';

export function problemTypeOf(kind: ProblemKind): string {
  return PROBLEM_KINDS[kind].ownType ? `${PROBLEM_TYPE_PREFIX}${kind}` : 'about:blank';
}
